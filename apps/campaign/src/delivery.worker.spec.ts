import {
  campaignDef,
  delivery,
  FakeCatalog,
  fakeKafka,
  silentLogger,
  testEnv,
  testMetrics,
  until,
} from '../../../tests/support/campaign-fakes';
import type { DeliveriesRepository } from './deliveries.repository';
import type { Delivery, DeliveryRow } from './delivery';
import type { DeliveryStatusWriter } from './delivery-status.writer';
import { DeliveryWorker } from './delivery.worker';
import type { CampaignDefinition } from './domain/campaign-definition';
import type { AttemptOutcome } from './domain/webhook-request';
import type { WebhookSender } from './webhook.sender';

type Responder = (
  campaign: CampaignDefinition,
  d: Delivery,
  attempt: number,
  stop: AbortSignal,
) => Promise<AttemptOutcome>;

function setup(catalog: FakeCatalog, respond: Responder, env = testEnv(), pending: Delivery[] = []) {
  const rows: DeliveryRow[] = [];
  const calls: { campaign: string; delivery: string; attempt: number; url: string }[] = [];
  const sender = {
    send: (c: CampaignDefinition, d: Delivery, attempt: number, stop: AbortSignal) => {
      calls.push({ campaign: c.id, delivery: d.id, attempt, url: c.action.url });
      return respond(c, d, attempt, stop);
    },
  } as unknown as WebhookSender;
  const writer = {
    write: (row: DeliveryRow) => rows.push(row),
    close: async () => undefined,
  } as unknown as DeliveryStatusWriter;
  const repository = {
    pending: async () => pending.map((d) => ({ ...d })),
  } as unknown as DeliveriesRepository;
  const worker = new DeliveryWorker(
    catalog.asCatalog(),
    sender,
    writer,
    repository,
    env,
    testMetrics(),
    silentLogger(),
    fakeKafka,
  );
  const last = (id: string): DeliveryRow | undefined => [...rows].reverse().find((r) => r.delivery_id === id);
  return { worker, rows, calls, last };
}

const ok = async (): Promise<AttemptOutcome> => ({ kind: 'delivered', statusCode: 200 });

describe('DeliveryWorker', () => {
  it('sends each delivery once and records it as sent', async () => {
    const { worker, calls, last } = setup(new FakeCatalog(campaignDef('a')), ok);
    worker.start();
    worker.enqueue([delivery('1', 'a'), delivery('2', 'a'), delivery('1', 'a')]);
    await until(() => last('1')?.status === 'sent' && last('2')?.status === 'sent');
    expect(calls.map((c) => c.delivery).sort()).toEqual(['1', '2']);
    expect(last('1')).toMatchObject({ attempts: 1, last_status_code: 200, version: 7 });
    worker.enqueue([delivery('1', 'a')]); // finished: never again
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(2);
    await worker.stop(100);
  });

  it('a slow endpoint holds only its own campaign slots; other campaigns go on', async () => {
    const release: (() => void)[] = [];
    const { worker, calls, last } = setup(new FakeCatalog(campaignDef('slow'), campaignDef('fast')), (c) =>
      c.id === 'slow'
        ? new Promise((resolve) => release.push(() => resolve({ kind: 'delivered', statusCode: 200 })))
        : ok(),
    );
    worker.start();
    worker.enqueue([1, 2, 3, 4, 5].map((i) => delivery(`s${i}`, 'slow')));
    worker.enqueue([1, 2, 3, 4, 5].map((i) => delivery(`f${i}`, 'fast')));
    await until(() => [1, 2, 3, 4, 5].every((i) => last(`f${i}`)?.status === 'sent'));
    expect(calls.filter((c) => c.campaign === 'slow')).toHaveLength(2); // CAMPAIGN_WEBHOOK_CONCURRENCY
    release.splice(0).forEach((r) => r());
    await until(() => calls.filter((c) => c.campaign === 'slow').length === 4);
    release.splice(0).forEach((r) => r());
    await until(() => calls.filter((c) => c.campaign === 'slow').length === 5);
    release.splice(0).forEach((r) => r());
    await until(() => [1, 2, 3, 4, 5].every((i) => last(`s${i}`)?.status === 'sent'));
    await worker.stop(100);
  });

  it('retries 5xx with backoff, recording each attempt, until it is delivered', async () => {
    const { worker, rows, calls } = setup(new FakeCatalog(campaignDef('a')), async (_c, _d, attempt) =>
      attempt < 3
        ? { kind: 'retryable', statusCode: 500, error: 'HTTP 500' }
        : { kind: 'delivered', statusCode: 200 },
    );
    worker.start();
    worker.enqueue([delivery('1', 'a')]);
    await until(() => rows.some((r) => r.status === 'sent'));
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(rows.map((r) => [r.status, r.attempts, r.last_status_code, r.last_error])).toEqual([
      ['pending', 1, 500, 'HTTP 500'],
      ['pending', 2, 500, 'HTTP 500'],
      ['sent', 3, 200, ''],
    ]);
    expect(rows[0].next_attempt_at).not.toBe('1970-01-01 00:00:00');
    await worker.stop(100);
  });

  it('records failed after the last attempt, and at once for a 4xx', async () => {
    const { worker, calls, last } = setup(
      new FakeCatalog(campaignDef('down'), campaignDef('gone')),
      async (c) =>
        c.id === 'down'
          ? { kind: 'retryable', statusCode: 0, error: 'connect ECONNREFUSED' }
          : { kind: 'permanent', statusCode: 410, error: 'HTTP 410' },
    );
    worker.start();
    worker.enqueue([delivery('d', 'down'), delivery('g', 'gone')]);
    await until(() => last('d')?.status === 'failed' && last('g')?.status === 'failed');
    expect(calls.filter((c) => c.campaign === 'down')).toHaveLength(4);
    expect(last('d')).toMatchObject({ attempts: 4, last_status_code: 0, last_error: 'connect ECONNREFUSED' });
    expect(calls.filter((c) => c.campaign === 'gone')).toHaveLength(1);
    expect(last('g')).toMatchObject({ attempts: 1, last_status_code: 410 });
    await worker.stop(100);
  });

  it('holds deliveries of a paused campaign, sends them when resumed (with the new URL), cancels them when deleted', async () => {
    const catalog = new FakeCatalog(
      campaignDef('a', { status: 'paused' }),
      campaignDef('b', { status: 'paused' }),
    );
    const { worker, calls, last } = setup(catalog, ok);
    worker.start();
    worker.enqueue([delivery('1', 'a'), delivery('2', 'b')]);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toHaveLength(0);
    catalog.set(
      campaignDef('a', { version: 2, action: { type: 'webhook', url: 'http://new.example/a', headers: {} } }),
    );
    await until(() => last('1')?.status === 'sent');
    expect(calls[0].url).toBe('http://new.example/a');
    catalog.remove('b');
    await until(() => last('2')?.status === 'cancelled');
    expect(last('2')?.last_error).toBe('campaign deleted');
    await worker.stop(100);
  });

  it('resumes pending deliveries of assigned partitions from ClickHouse, keeping their attempt count', async () => {
    const stored = [
      delivery('r1', 'a', {
        attempts: 2,
        source: { topic: 'cdp.segment-events', partition: 1, offset: '5' },
      }),
      delivery('r2', 'a', { source: { topic: 'cdp.segment-events', partition: 0, offset: '6' } }),
    ];
    const { worker, calls, last } = setup(new FakeCatalog(campaignDef('a')), ok, testEnv(), stored);
    worker.start();
    worker.assign([1]); // partition 0 belongs to someone else
    await until(() => last('r1')?.status === 'sent');
    expect(calls.map((c) => [c.delivery, c.attempt])).toEqual([['r1', 3]]);
    await worker.stop(100);
  });

  it('at shutdown interrupts requests still in flight after the grace; they stay pending', async () => {
    const { worker, last } = setup(
      new FakeCatalog(campaignDef('a')),
      (_c, _d, _a, stop) =>
        new Promise((resolve) =>
          stop.addEventListener('abort', () =>
            resolve({ kind: 'retryable', statusCode: 0, error: 'interrupted by shutdown' }),
          ),
        ),
    );
    worker.start();
    worker.enqueue([delivery('1', 'a')]);
    await new Promise((r) => setTimeout(r, 10));
    await worker.stop(20);
    expect(last('1')).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'interrupted by shutdown',
    });
  });
});
