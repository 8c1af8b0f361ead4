import type { ClickHouseClient } from '@cdp/clickhouse';
import { deliveryIdOf } from '../../apps/campaign/src/domain/delivery-id';
import { isHeldOut } from '../../apps/campaign/src/domain/holdout';
import { verifySignature } from '../../apps/campaign/src/domain/webhook-request';
import {
  AdminClient,
  campaignBody,
  campaignEnv,
  dropSuite,
  deliveries,
  handledSegmentEvents,
  SegmentEventsProducer,
  segmentEvent,
  startApi,
  startCampaign,
  statusCounts,
  waitForDefinition,
  waitForHandled,
} from '../support/campaign-harness';
import { clickhouseFor } from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';
import { TopicReader } from '../support/topic-reader';
import { WebhookServer } from '../support/webhook-server';

describe('campaign service: segment events -> webhooks', () => {
  const suffix = uniqueSuffix();
  // held requests of the hanging endpoint must not time out (and fail) before they are released
  const env = campaignEnv(suffix, { CAMPAIGN_WEBHOOK_TIMEOUT_MS: '20000' });
  const webhooks = new WebhookServer();
  const producer = new SegmentEventsProducer(env.KAFKA_BROKERS, env.TOPIC_SEGMENT_EVENTS);
  let api: ServiceProcess;
  let campaign: ServiceProcess;
  let admin: AdminClient;
  let ch: ClickHouseClient;

  /** Creates a campaign through the api and waits until the campaign service acts on it. */
  async function create(
    id: string,
    segment: string,
    path: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const res = await admin.request(
      'POST',
      '/v1/campaigns',
      campaignBody(id, segment, webhooks.url(path), extra),
    );
    expect(res.status).toBe(201);
    await waitForDefinition(campaign, id, 1);
  }

  async function settled(id: string, count: number, timeoutMs = 60000): Promise<void> {
    await eventually(
      async () => (await deliveries(ch, id)).filter((d) => d.status !== 'pending').length >= count,
      timeoutMs,
      `${count} deliveries of ${id} to settle`,
    );
  }

  beforeAll(async () => {
    await webhooks.start();
    [api, campaign] = await Promise.all([startApi(env), startCampaign(env)]);
    admin = new AdminClient(api.url(''));
    ch = clickhouseFor(env);
  });

  afterAll(async () => {
    await producer.close();
    await ch?.close();
    await Promise.all([api?.stop(), campaign?.stop()]);
    await webhooks.close();
    await dropSuite(env);
  });

  it('calls the webhook exactly once per qualifying transition, with the event, ids, signature and headers', async () => {
    const secret = 'whsec-exact-0123456789';
    await create('exact', 'seg-exact', '/exact', {
      action: { type: 'webhook', url: webhooks.url('/exact'), headers: { 'X-Team': 'crm' } },
      secret,
    });
    const qualifying = [
      segmentEvent('seg-exact', 'p-e1'),
      segmentEvent('seg-exact', 'p-e2'),
      // a window boundary: what the segmenter emits without an event behind it
      segmentEvent('seg-exact', 'p-e3', { cause: { kind: 'time', eventId: null, kafka: null } }),
    ];
    const before = await handledSegmentEvents(campaign);
    await producer.send([
      ...qualifying,
      segmentEvent('seg-exact', 'p-e1', { type: 'segment.exited' }),
      segmentEvent('seg-other', 'p-e1'),
      segmentEvent('seg-exact', 'p-e5', { cause: { kind: 'deletion' } }),
      segmentEvent('seg-exact', 'p-e6', { emittedAt: '2020-01-01T00:00:00Z' }), // before the campaign existed
      qualifying[0], // redelivered transitions
      qualifying[0],
    ]);
    await producer.send([segmentEvent('seg-exact', 'p-e4')], { abort: true }); // never committed: not read
    await waitForHandled(campaign, before, 9);
    await settled('exact', 3);
    await new Promise((r) => setTimeout(r, 1000)); // room for a duplicate to show up

    const calls = webhooks.callsTo('/exact');
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => c.key).sort()).toEqual(qualifying.map((e) => deliveryIdOf('exact', e.id)).sort());
    for (const call of calls) {
      const body = JSON.parse(call.body) as { id: string; campaignId: string; deliveryId: string };
      const event = qualifying.find((e) => e.id === body.id);
      expect(body).toEqual({ ...event, campaignId: 'exact', deliveryId: deliveryIdOf('exact', body.id) });
      expect(call.headers['idempotency-key']).toBe(body.deliveryId);
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.headers['x-team']).toBe('crm');
      expect(call.headers['x-cdp-campaign-id']).toBe('exact');
      expect(call.headers['x-cdp-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(verifySignature(secret, call.body, call.headers['x-cdp-signature'] as string)).toBe(true);
      expect(call.acknowledged).toBe(true);
    }
    const log = await deliveries(ch, 'exact');
    expect(log.map((d) => [d.status, d.attempts, d.last_status_code])).toEqual([
      ['sent', 1, 200],
      ['sent', 1, 200],
      ['sent', 1, 200],
    ]);
  });

  it('retries a 500 and delivers once when the endpoint answers 200', async () => {
    webhooks.route('/flaky', (_call, n) => (n === 1 ? 500 : 200));
    await create('flaky', 'seg-flaky', '/flaky');
    const event = segmentEvent('seg-flaky', 'p-f1');
    await producer.send([event]);
    await settled('flaky', 1);
    const calls = webhooks.callsTo('/flaky');
    expect(calls.map((c) => [c.key, c.status, c.headers['x-cdp-delivery-attempt']])).toEqual([
      [deliveryIdOf('flaky', event.id), 500, '1'],
      [deliveryIdOf('flaky', event.id), 200, '2'],
    ]);
    expect(calls[0].body).toBe(calls[1].body);
    expect(await deliveries(ch, 'flaky')).toMatchObject([
      { status: 'sent', attempts: 2, last_status_code: 200 },
    ]);
  });

  it('records a permanently failing endpoint as failed after all attempts, and a 4xx after one', async () => {
    webhooks.route('/down', () => 503).route('/gone', () => 410);
    await create('down', 'seg-down', '/down');
    await create('gone', 'seg-gone', '/gone');
    await producer.send([segmentEvent('seg-down', 'p-d1'), segmentEvent('seg-gone', 'p-g1')]);
    await settled('down', 1);
    await settled('gone', 1);
    expect(webhooks.callsTo('/down')).toHaveLength(4); // CAMPAIGN_WEBHOOK_MAX_ATTEMPTS
    expect(await deliveries(ch, 'down')).toMatchObject([
      { status: 'failed', attempts: 4, last_status_code: 503, last_error: 'HTTP 503' },
    ]);
    expect(webhooks.callsTo('/gone')).toHaveLength(1);
    expect(await deliveries(ch, 'gone')).toMatchObject([
      { status: 'failed', attempts: 1, last_status_code: 410 },
    ]);
  });

  it('a hanging endpoint holds only its own slots: another campaign is delivered meanwhile', async () => {
    webhooks.route('/hang', () => 'hold');
    await create('hang', 'seg-hang', '/hang');
    await create('quick', 'seg-quick', '/quick');
    const events = Array.from({ length: 20 }, (_, i) => [
      segmentEvent('seg-hang', `p-h${i}`),
      segmentEvent('seg-quick', `p-q${i}`),
    ]).flat();
    await producer.send(events);
    await eventually(async () => webhooks.acknowledged('/quick').length === 20, 30000, 'the quick campaign');
    expect(webhooks.holding).toBeLessThanOrEqual(8); // CAMPAIGN_WEBHOOK_CONCURRENCY
    expect(webhooks.callsTo('/hang').length).toBeLessThanOrEqual(8);
    webhooks.route('/hang', () => 200);
    webhooks.release(200);
    await settled('hang', 20);
    expect(await statusCounts(ch, 'hang')).toEqual({ sent: 20 });
    expect(new Set(webhooks.acknowledged('/hang').map((c) => c.key)).size).toBe(20);
  });

  it('reacts to pause, update and delete without a restart; paused transitions are not sent', async () => {
    await create('pausable', 'seg-pause', '/p1');
    const body = campaignBody('pausable', 'seg-pause', webhooks.url('/p1'));
    expect((await admin.request('PUT', '/v1/campaigns/pausable', { ...body, status: 'paused' })).status).toBe(
      200,
    );
    await waitForDefinition(campaign, 'pausable', 2);
    let before = await handledSegmentEvents(campaign);
    await producer.send(Array.from({ length: 5 }, (_, i) => segmentEvent('seg-pause', `p-pa${i}`)));
    await waitForHandled(campaign, before, 5);
    await new Promise((r) => setTimeout(r, 500));
    expect(webhooks.callsTo('/p1')).toHaveLength(0);
    expect(await deliveries(ch, 'pausable')).toEqual([]);

    const resumed = { ...body, action: { type: 'webhook', url: webhooks.url('/p2'), headers: {} } };
    expect((await admin.request('PUT', '/v1/campaigns/pausable', resumed)).status).toBe(200);
    await waitForDefinition(campaign, 'pausable', 3);
    await producer.send([segmentEvent('seg-pause', 'p-pb1'), segmentEvent('seg-pause', 'p-pb2')]);
    await settled('pausable', 2);
    expect(webhooks.acknowledged('/p2')).toHaveLength(2);
    expect(webhooks.callsTo('/p1')).toHaveLength(0);

    expect((await admin.request('DELETE', '/v1/campaigns/pausable')).status).toBe(204);
    await waitForDefinition(campaign, 'pausable', 0);
    before = await handledSegmentEvents(campaign);
    await producer.send([segmentEvent('seg-pause', 'p-pc1')]);
    await waitForHandled(campaign, before, 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(webhooks.calls.filter((c) => c.path.startsWith('/p'))).toHaveLength(2);
  });

  it('sends poison messages to the dead-letter topic and goes on with the partition', async () => {
    await create('after-poison', 'seg-poison', '/poison');
    const dlq = new TopicReader(env.TOPIC_CAMPAIGN_DLQ);
    await dlq.start();
    try {
      const valid = segmentEvent('seg-poison', 'raw'); // key 'raw', like the strings: one partition
      await producer.send(['not json', JSON.stringify({ id: 'x', type: 'segment.joined' }), valid]);
      await eventually(
        async () => webhooks.acknowledged('/poison').length === 1,
        30000,
        'the event after the poison',
      );
      const letters = await dlq.waitFor(() => true, 2);
      expect(letters.map((l) => l.value.reason)).toEqual(['invalid_payload', 'invalid_payload']);
      expect(Buffer.from(letters[0].value.payloadBase64 as string, 'base64').toString()).toBe('not json');
      expect(letters[1].value.reasons).toEqual(
        expect.arrayContaining([{ path: 'type', message: 'must be one of segment.entered, segment.exited' }]),
      );
      expect(letters[0].value.source).toMatchObject({ topic: env.TOPIC_SEGMENT_EVENTS });
      expect(letters[0].key).toBe('raw');
    } finally {
      await dlq.stop();
    }
  });

  it('holds caps and holdout shares over 10,000 transitions', async () => {
    webhooks.route('/scale', () => 200);
    await create('scale', 'seg-scale', '/scale', {
      holdoutPercent: 10,
      frequencyCap: { max: 1, per: { days: 30 } },
    });
    const t0 = Date.now() - 3 * 86400_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const once = Array.from({ length: 7000 }, (_, i) => `p-s${i}`);
    const twice = Array.from({ length: 1000 }, (_, i) => `p-t${i}`);
    const events = [
      ...once.map((p) => segmentEvent('seg-scale', p, { occurredAt: at(t0) })),
      ...twice.flatMap((p) => [
        segmentEvent('seg-scale', p, { occurredAt: at(t0) }),
        segmentEvent('seg-scale', p, { type: 'segment.exited', occurredAt: at(t0 + 3600_000) }),
        segmentEvent('seg-scale', p, { occurredAt: at(t0 + 86400_000) }),
      ]),
    ];
    expect(events).toHaveLength(10000);
    const started = Date.now();
    await producer.send(events);

    const held = (p: string) => isHeldOut('scale', p, 10);
    const heldOnce = once.filter(held).length;
    const heldTwice = twice.filter(held).length;
    const expected = {
      sent: once.length - heldOnce + twice.length - heldTwice,
      held_out: heldOnce + 2 * heldTwice,
      capped: twice.length - heldTwice,
    };
    await eventually(
      async () => {
        const counts = await statusCounts(ch, 'scale');
        return (counts.sent ?? 0) + (counts.held_out ?? 0) + (counts.capped ?? 0) === 9000 && !counts.pending;
      },
      90000,
      'the 9,000 entries of the scale campaign to be decided and sent',
    );
    const counts = await statusCounts(ch, 'scale');
    expect(counts).toEqual(expected);

    // holdout share over the 8,000 people, within 1 percentage point of 10 %
    const log = await deliveries(ch, 'scale');
    const heldPeople = new Set(log.filter((d) => d.status === 'held_out').map((d) => d.profile_id));
    const sentPeople = new Set(log.filter((d) => d.status === 'sent').map((d) => d.profile_id));
    expect(heldPeople.size + sentPeople.size).toBe(8000);
    expect(Math.abs((heldPeople.size / 8000) * 100 - 10)).toBeLessThanOrEqual(1);
    // caps: nobody got two webhooks; every sent delivery was called exactly once
    const calls = webhooks.callsTo('/scale');
    expect(calls).toHaveLength(expected.sent);
    expect(new Set(calls.map((c) => c.key)).size).toBe(expected.sent);
    const profilesCalled = calls.map((c) => (JSON.parse(c.body) as { profileId: string }).profileId);
    expect(new Set(profilesCalled).size).toBe(expected.sent);
    expect(profilesCalled.some(held)).toBe(false);
    process.stdout.write(`10,000 transitions decided and delivered in ${Date.now() - started} ms\n`);
  });
});
