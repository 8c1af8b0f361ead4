import { loadConfig } from '@cdp/config';
import { JsonLogger, MetricsService } from '@cdp/observability';
import type { BodyRead } from './body-reader';
import { CollectorEnv } from './collector.env';
import { CollectorMetrics } from './collector.metrics';
import { PublishFailedError, RawWebPublisher, type RawWebMessage } from './raw-web.publisher';
import {
  TrackingIngestService,
  type TrackingEndpoint,
  type TrackingRequest,
} from './tracking-ingest.service';
import { WriteKeyAuthenticator } from './write-key.authenticator';

class FakePublisher extends RawWebPublisher {
  readonly sent: RawWebMessage[][] = [];
  failWith: Error | undefined;
  async publish(messages: readonly RawWebMessage[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push([...messages]);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const basic = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const receivedAt = new Date('2026-11-01T08:00:05.000Z');

describe('TrackingIngestService', () => {
  let publisher: FakePublisher;
  let metrics: MetricsService;
  let service: TrackingIngestService;

  beforeEach(() => {
    const env = loadConfig(CollectorEnv, { COLLECTOR_WRITE_KEYS: 'wk-web:web,wk-app:ios' });
    publisher = new FakePublisher();
    metrics = new MetricsService('collector');
    service = new TrackingIngestService(
      env,
      new WriteKeyAuthenticator(
        new Map([
          ['wk-web', 'web'],
          ['wk-app', 'ios'],
        ]),
      ),
      publisher,
      new CollectorMetrics(metrics),
      new JsonLogger('collector', 'fatal'),
    );
  });

  const ok = (value: unknown): BodyRead => ({ kind: 'ok', bytes: Buffer.from(JSON.stringify(value)) });
  /** `authorization` null: no header. */
  const req = (endpoint: TrackingEndpoint, body: BodyRead, authorization: string | null = basic('wk-web')) =>
    ({ endpoint, body, authorization: authorization ?? undefined, receivedAt }) satisfies TrackingRequest;

  async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
    const json = await metrics.registry.getSingleMetric(name)?.get();
    const v = json?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
    return v?.value ?? 0;
  }

  it('writes a call with type, a generated messageId, receivedAt and the source, keyed by anonymousId', async () => {
    const call = {
      anonymousId: 'a-77',
      userId: 'u-1',
      event: 'Order Completed',
      properties: { revenue: 12.5, currency: 'USD' },
      context: { campaign: { source: 'newsletter' }, ip: '203.0.113.9' },
      timestamp: '2026-11-01T08:00:00Z',
      sentAt: '2026-11-01T08:00:01Z',
      receivedAt: '1999-01-01T00:00:00Z',
      custom: [1, 2],
    };
    expect(await service.ingest(req('track', ok(call)))).toEqual({ kind: 'accepted', calls: 1 });
    expect(publisher.sent).toHaveLength(1);
    const [msg] = publisher.sent[0];
    expect(msg.key).toBe('a-77');
    expect(msg.call).toEqual({
      ...call,
      type: 'track',
      messageId: expect.stringMatching(UUID),
      receivedAt: '2026-11-01T08:00:05.000Z',
      writeKeySource: 'web',
    });
    expect(await metricValue('cdp_collector_calls_total', { type: 'track', outcome: 'accepted' })).toBe(1);
  });

  it('keeps a given messageId, keys by userId without anonymousId and lets the endpoint set the type', async () => {
    await service.ingest(
      req('identify', ok({ type: 'track', userId: 42, messageId: 'm-1', traits: { a: 1 } })),
    );
    const [msg] = publisher.sent[0];
    expect(msg.key).toBe('42');
    expect(msg.call).toMatchObject({ type: 'identify', messageId: 'm-1', userId: 42 });
  });

  it('takes the write key from the body and never writes it to Kafka', async () => {
    const res = await service.ingest(
      req('page', ok({ writeKey: 'wk-app', anonymousId: 'a-1', name: 'Home' }), null),
    );
    expect(res.kind).toBe('accepted');
    expect(publisher.sent[0][0].call).not.toHaveProperty('writeKey');
    expect(publisher.sent[0][0].call.writeKeySource).toBe('ios');
  });

  it('writes a whole batch in one publish, applying batch sentAt and context', async () => {
    const body = {
      writeKey: 'wk-web',
      sentAt: '2026-11-01T08:00:02Z',
      context: { library: { name: 'x' } },
      batch: [
        { type: 'track', anonymousId: 'a-1', event: 'A', messageId: 'm-a' },
        { type: 'identify', userId: 'u-1', traits: { email: 'x@example.com' } },
        { type: 'alias', userId: 'u-1', previousId: 'a-1' },
        { type: 'group', userId: 'u-1', groupId: 'g-1' },
        { type: 'screen', anonymousId: 'a-2', name: 'Main', sentAt: '2026-11-01T08:00:03Z' },
      ],
    };
    expect(await service.ingest(req('batch', ok(body), null))).toEqual({ kind: 'accepted', calls: 5 });
    expect(publisher.sent).toHaveLength(1);
    const calls = publisher.sent[0].map((m) => m.call);
    expect(calls.map((c) => c.type)).toEqual(['track', 'identify', 'alias', 'group', 'screen']);
    expect(calls.map((c) => c.sentAt)).toEqual([
      '2026-11-01T08:00:02Z',
      '2026-11-01T08:00:02Z',
      '2026-11-01T08:00:02Z',
      '2026-11-01T08:00:02Z',
      '2026-11-01T08:00:03Z',
    ]);
    expect(calls[0]).toMatchObject({ messageId: 'm-a', context: { library: { name: 'x' } } });
    expect(new Set(calls.map((c) => c.messageId)).size).toBe(5);
    expect(publisher.sent[0].map((m) => m.key)).toEqual(['a-1', 'u-1', 'u-1', 'u-1', 'a-2']);
  });

  it('refuses an unknown header key even when the body names a known one', async () => {
    const res = await service.ingest(
      req('track', ok({ writeKey: 'wk-web', userId: 'u', event: 'E' }), basic('x')),
    );
    expect(res).toMatchObject({ kind: 'rejected', reason: 'auth', message: 'unknown write key' });
    expect(publisher.sent).toHaveLength(0);
    expect(await metricValue('cdp_collector_rejected_requests_total', { reason: 'auth' })).toBe(1);
  });

  it('refuses a request without any write key', async () => {
    const res = await service.ingest(req('track', ok({ userId: 'u', event: 'E' }), null));
    expect(res).toMatchObject({
      kind: 'rejected',
      reason: 'auth',
      message: expect.stringMatching(/^missing/),
    });
  });

  it('names every bad field of every call', async () => {
    const body = {
      batch: [
        { type: 'track', userId: 'u', event: 'ok' },
        { type: 'track', userId: 'u' },
        { type: 'jump', anonymousId: 'a' },
        { type: 'page', properties: 'x', timestamp: 'yesterday' },
      ],
    };
    const res = await service.ingest(req('batch', ok(body)));
    expect(res).toMatchObject({ kind: 'rejected', reason: 'validation' });
    if (res.kind !== 'rejected') throw new Error('expected a rejection');
    expect(res.errors.map((e) => e.path)).toEqual([
      'batch[1].event',
      'batch[2].type',
      'batch[3].userId',
      'batch[3].properties',
      'batch[3].timestamp',
    ]);
    expect(publisher.sent).toHaveLength(0);
    expect(await metricValue('cdp_collector_calls_total', { type: 'unknown', outcome: 'validation' })).toBe(
      1,
    );
    expect(await metricValue('cdp_collector_calls_total', { type: 'track', outcome: 'validation' })).toBe(2);
  });

  it('names the body for invalid JSON, an empty body and a body that is not an object', async () => {
    const bad = await service.ingest(req('track', { kind: 'ok', bytes: Buffer.from('{"userId": ') }));
    expect(bad).toMatchObject({ reason: 'validation', errors: [{ path: 'body' }] });
    const empty = await service.ingest(req('track', { kind: 'ok', bytes: Buffer.alloc(0) }));
    expect(empty).toMatchObject({
      errors: [{ path: 'body', message: 'is not valid JSON: the body is empty' }],
    });
    const array = await service.ingest(req('track', ok([1])));
    expect(array).toMatchObject({ errors: [{ path: 'body', message: 'must be a JSON object' }] });
  });

  it('refuses oversized calls before validating them, naming each', async () => {
    const big = { type: 'track', userId: 'u', event: 'E', properties: { pad: 'x'.repeat(33 * 1024) } };
    const res = await service.ingest(req('batch', ok({ batch: [{ type: 'nope' }, big] })));
    expect(res).toMatchObject({ reason: 'too_large', errors: [{ path: 'batch[1]' }] });
    const single = await service.ingest(req('track', ok(big)));
    expect(single).toMatchObject({ reason: 'too_large', errors: [{ path: 'body' }] });
  });

  it('passes on what the body reader refused', async () => {
    expect(await service.ingest(req('batch', { kind: 'too_large', maxBytes: 512000 }))).toMatchObject({
      reason: 'too_large',
      errors: [{ path: 'body', message: 'the request is larger than 500 KB, the limit per request' }],
    });
    expect(await service.ingest(req('batch', { kind: 'unreadable', message: 'bad gzip' }))).toMatchObject({
      reason: 'validation',
      errors: [{ path: 'body', message: 'bad gzip' }],
    });
  });

  it('answers kafka_unavailable when the write is not confirmed', async () => {
    publisher.failWith = new PublishFailedError('broker down');
    const res = await service.ingest(req('track', ok({ userId: 'u', event: 'E' })));
    expect(res).toMatchObject({ kind: 'rejected', reason: 'kafka_unavailable' });
    expect(await metricValue('cdp_collector_rejected_requests_total', { reason: 'kafka_unavailable' })).toBe(
      1,
    );
    expect(await metricValue('cdp_collector_calls_total', { type: 'track', outcome: 'accepted' })).toBe(0);
  });
});
