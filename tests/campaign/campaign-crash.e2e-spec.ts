import type { ClickHouseClient } from '@cdp/clickhouse';
import {
  AdminClient,
  campaignBody,
  campaignEnv,
  dropSuite,
  deliveries,
  SegmentEventsProducer,
  segmentEvent,
  startApi,
  startCampaign,
  statusCounts,
  waitForDefinition,
} from '../support/campaign-harness';
import { clickhouseFor, metric } from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';
import { WebhookServer } from '../support/webhook-server';

describe('campaign service killed mid-flight', () => {
  const suffix = uniqueSuffix();
  const env = campaignEnv(suffix, {
    CAMPAIGN_PENDING_SWEEP_MS: '1000',
    // held requests stay in flight until the kill (no client timeout meanwhile)
    CAMPAIGN_WEBHOOK_TIMEOUT_MS: '60000',
    // the killed member leaves the group after this: the restarted one gets the partitions soon
    CAMPAIGN_SESSION_TIMEOUT_MS: '6000',
    CAMPAIGN_HEARTBEAT_INTERVAL_MS: '1000',
  });
  const webhooks = new WebhookServer();
  const producer = new SegmentEventsProducer(env.KAFKA_BROKERS, env.TOPIC_SEGMENT_EVENTS);
  let api: ServiceProcess;
  let campaign: ServiceProcess | undefined;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    await webhooks.start();
    [api, campaign] = await Promise.all([startApi(env), startCampaign(env)]);
    ch = clickhouseFor(env);
  });

  afterAll(async () => {
    await producer.close();
    await ch?.close();
    await Promise.all([api?.stop(), campaign?.stop('SIGKILL')]);
    await webhooks.close();
    await dropSuite(env);
  });

  it('restarted after SIGKILL, it resumes pending deliveries and sends nothing the endpoint acknowledged again', async () => {
    const admin = new AdminClient(api.url(''));
    expect(
      (
        await admin.request(
          'POST',
          '/v1/campaigns',
          campaignBody('crash', 'seg-crash', webhooks.url('/crash')),
        )
      ).status,
    ).toBe(201);
    await waitForDefinition(campaign as ServiceProcess, 'crash', 1);

    // 1. delivered and recorded before the crash
    const first = Array.from({ length: 200 }, (_, i) => segmentEvent('seg-crash', `p-a${i}`));
    await producer.send(first);
    await eventually(
      async () => (await statusCounts(ch, 'crash')).sent === 200,
      60000,
      '200 deliveries sent',
    );
    const firstKeys = new Set(webhooks.acknowledged('/crash').map((c) => c.key));
    expect(firstKeys.size).toBe(200);

    // 2. the endpoint stops answering; the next 300 are decided (pending) and in flight when the service dies
    webhooks.route('/crash', () => 'hold');
    const second = Array.from({ length: 300 }, (_, i) => segmentEvent('seg-crash', `p-b${i}`));
    await producer.send(second);
    await eventually(
      async () => webhooks.holding >= 8 && (await deliveries(ch, 'crash')).length === 500,
      60000,
      'requests in flight and all 300 decisions written',
    );
    const cutOff = new Set(webhooks.calls.filter((c) => c.status === undefined).map((c) => c.key));
    expect(await (campaign as ServiceProcess).stop('SIGKILL')).toBeNull();
    webhooks.route('/crash', () => 200);

    // 3. a new process with the same group: offsets are committed, so the pending ones come from ClickHouse
    campaign = await startCampaign(env);
    await eventually(
      async () => (await statusCounts(ch, 'crash')).sent === 500,
      90000,
      'all 500 deliveries sent',
    );
    await new Promise((r) => setTimeout(r, 1500)); // room for a duplicate to show up
    expect(await metric(campaign, 'cdp_campaign_resumed_deliveries_total')).toBeGreaterThanOrEqual(
      300 - cutOff.size,
    );

    const calls = webhooks.callsTo('/crash');
    const byKey = new Map<string, typeof calls>();
    for (const c of calls) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
    expect(byKey.size).toBe(500);
    for (const [key, keyCalls] of byKey) {
      // exactly one answer the sender received, per Idempotency-Key
      expect([key, keyCalls.filter((c) => c.acknowledged).length]).toEqual([key, 1]);
      // sent again only if the crash cut the request off (in doubt: same key, the receiver can dedupe)
      if (keyCalls.length > 1) expect(cutOff.has(key)).toBe(true);
    }
    for (const key of firstKeys) expect(byKey.get(key)).toHaveLength(1);
    expect(cutOff.size).toBeLessThanOrEqual(8);
  });
});
