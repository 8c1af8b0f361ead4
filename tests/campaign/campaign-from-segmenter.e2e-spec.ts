import { type ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import type { SegmentEvent } from '@cdp/domain/segments';
import { deliveryIdOf } from '../../apps/campaign/src/domain/delivery-id';
import { isHeldOut } from '../../apps/campaign/src/domain/holdout';
import { verifySignature } from '../../apps/campaign/src/domain/webhook-request';
import {
  AdminClient,
  campaignBody,
  campaignEnv,
  deliveries,
  dropSuite,
  handledSegmentEvents,
  startApi,
  startCampaign,
  waitForDefinition,
} from '../support/campaign-harness';
import {
  clickhouseFor,
  KafkaHarness,
  metric,
  raw,
  startIngest,
  type Produced,
} from '../support/ingest-harness';
import type { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';
import { type WebhookCall, WebhookServer } from '../support/webhook-server';
import { brief, SegmentEventsReader, segmenterEnv, startSegmenter } from '../segmenter/segmenter-harness';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Customer {
  name: string;
  user: string;
  anon: string;
  email: string;
}

/** The webhook body: the segment event as the segmenter published it, plus the campaign's ids. */
type WebhookBody = SegmentEvent & { campaignId: string; deliveryId: string };

/**
 * Issue 7: the campaign service fed by the real segmenter, not by hand-produced segment
 * events. The built ingest, segmenter, api and campaign service share one isolated database
 * and set of topics; a segment and two campaigns on entering it are created through the api;
 * realistic raw events (page views, identifies, orders on the raw topics) go through ingest
 * and the segmenter, and the campaign service calls a local webhook. Then the segmenter is
 * SIGKILLed right after an entry and restarted while more orders arrive: still exactly one
 * delivery per customer.
 */
describe('campaign fed by the real segmenter: raw events -> ingest -> segmenter -> campaign -> webhook', () => {
  const suffix = uniqueSuffix();
  // the same suffix: the same topics and database; segmenterEnv adds ingest + segmenter
  // settings, campaignEnv the admin token and campaign settings (only LOG_LEVEL is in both)
  const env: Record<string, string> = { ...campaignEnv(suffix), ...segmenterEnv(suffix) };
  const rawTopics = [env.TOPIC_RAW_WEB, env.TOPIC_RAW_SOCIAL, env.TOPIC_RAW_AD, env.TOPIC_RAW_TRANSACTION];
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  const webhooks = new WebhookServer();
  const segmentEvents = new SegmentEventsReader(env.TOPIC_SEGMENT_EVENTS, env.KAFKA_BROKERS);
  const secret = 'whsec-followup-0123456789';
  const HOLDOUT = 30;
  let ch: ClickHouseClient;
  let ingest: ServiceProcess;
  let segmenter: ServiceProcess;
  let api: ServiceProcess;
  let campaign: ServiceProcess;
  let admin: AdminClient;
  let produced = 0;

  const customer = (name: string): Customer => ({
    name,
    user: `u-${name}-${suffix}`,
    anon: `a-${name}-${suffix}`,
    email: `${name}.${suffix}@example.com`,
  });
  const [ana, bo, chen, dai, eva, fan, gus, hana] = [
    'ana',
    'bo',
    'chen',
    'dai',
    'eva',
    'fan',
    'gus',
    'hana',
  ].map(customer);
  const iso = (ms: number): string => new Date(ms).toISOString();

  /** Order ids and instants of the completed orders sent, by customer name (in order). */
  const orders = new Map<string, { eventId: string; at: string }[]>();

  const send = async (messages: Produced[]): Promise<void> => {
    produced += messages.length;
    await kafka.send(messages);
  };

  const web = (c: Customer, value: string): Produced => ({ topic: env.TOPIC_RAW_WEB, key: c.anon, value });

  /** An order of `c` on the raw transaction topic (keyed by email, like a shop would). */
  const order = (
    c: Customer,
    n: number,
    ids: { userId?: boolean; email?: boolean },
    status = 'completed',
    at = Date.now() - 1000,
  ): Produced => {
    const orderId = `o-${c.name}-${n}-${suffix}`;
    if (status === 'completed') {
      orders.set(c.name, [...(orders.get(c.name) ?? []), { eventId: `${orderId}:completed`, at: iso(at) }]);
    }
    return {
      topic: env.TOPIC_RAW_TRANSACTION,
      key: c.email,
      value: raw.transaction(
        orderId,
        status,
        {
          userId: ids.userId ? c.user : null,
          customerId: null,
          email: ids.email ? c.email : null,
          phone: null,
        },
        49 + n * 10,
        iso(at),
      ),
    };
  };

  /** A visit: a page view while anonymous, then the sign-in (identify with the email trait). */
  const visit = (c: Customer, at: number, more: Produced[] = []): Produced[] => [
    web(c, raw.page(`m-${c.name}-page-${suffix}`, c.anon, iso(at))),
    ...more,
    web(
      c,
      raw.identify(
        `m-${c.name}-identify-${suffix}`,
        c.user,
        c.anon,
        { email: c.email, name: c.name },
        iso(at + 2000),
      ),
    ),
  ];

  const eventIds = async (ids: string[]): Promise<string[]> =>
    (
      await ch.query<{ event_id: string }>(
        sql`SELECT DISTINCT event_id FROM events WHERE event_id IN ${inList(ids)}`,
      )
    ).map((r) => r.event_id);

  /** Everything produced so far went through ingest and the segmenter, and the campaign service read its output. */
  async function drained(expectedSegmentEvents: number): Promise<void> {
    await eventually(
      async () => (await kafka.committed(env.INGEST_GROUP_ID, rawTopics)) >= produced,
      60000,
      `ingest to commit all ${produced} raw messages`,
    );
    await eventually(
      async () => {
        const ends = await kafka.admin.fetchTopicOffsets(env.TOPIC_EVENTS);
        const end = ends.reduce((n, p) => n + Number(p.high), 0);
        return (await kafka.committed(env.SEGMENTER_GROUP_ID, [env.TOPIC_EVENTS])) >= end;
      },
      60000,
      'the segmenter to commit every canonical event',
    );
    await segmentEvents.waitFor(() => true, expectedSegmentEvents, 30000);
    await eventually(
      async () => (await handledSegmentEvents(campaign)) >= segmentEvents.events.length,
      30000,
      'the campaign service to handle every segment event',
    );
  }

  const entries = (): SegmentEvent[] =>
    segmentEvents.matching((e) => e.type === 'segment.entered' && e.segment.id === 'buyers');
  const entryOf = (c: Customer): SegmentEvent | undefined =>
    entries().find((e) => e.identities.userId === c.user);
  const bodyOf = (call: WebhookCall): WebhookBody => JSON.parse(call.body) as WebhookBody;

  const profileIdOf = (c: Customer): Promise<string> =>
    admin.profileIdOfUser(c.user, `the profile of ${c.name}`);

  /** Deliveries of both campaigns settled (nothing pending) for the `entered` segment events. */
  async function settled(entered: SegmentEvent[]): Promise<void> {
    for (const id of ['welcome', 'followup']) {
      await eventually(
        async () => {
          const log = await deliveries(ch, id);
          return log.length >= entered.length && log.every((d) => d.status !== 'pending');
        },
        30000,
        `the ${entered.length} deliveries of ${id} to settle`,
      );
    }
  }

  /**
   * What the campaigns must have done for `entered` (one segment event per buyer): one
   * acknowledged POST per buyer on /welcome, carrying the very segment event; on /followup the
   * held-out buyers nothing, the others a 503 then a 200 with the same key and bytes; the
   * delivery log in ClickHouse says the same.
   */
  async function expectDeliveries(entered: SegmentEvent[]): Promise<void> {
    await settled(entered);
    await sleep(1000); // room for a duplicate to show up

    // /welcome: exactly one POST per entering customer, carrying the segment event
    const welcome = webhooks.callsTo('/welcome');
    expect(welcome).toHaveLength(entered.length);
    expect(welcome.map((c) => c.key).sort()).toEqual(
      entered.map((e) => deliveryIdOf('welcome', e.id)).sort(),
    );
    for (const call of welcome) {
      const body = bodyOf(call);
      const event = entered.find((e) => e.id === body.id);
      expect(event).toBeDefined();
      expect(body).toEqual({ ...event, campaignId: 'welcome', deliveryId: deliveryIdOf('welcome', body.id) });
      expect(call.headers['idempotency-key']).toBe(body.deliveryId);
      expect(call.headers['x-cdp-campaign-id']).toBe('welcome');
      expect(call.headers['x-cdp-delivery-attempt']).toBe('1');
      expect(call.headers['x-cdp-signature']).toBeUndefined();
      expect([call.status, call.acknowledged]).toEqual([200, true]);
    }
    expect(new Set(welcome.map((c) => bodyOf(c).profileId)).size).toBe(entered.length);

    // /followup: held-out buyers get nothing; the others a 503, then the same request again
    const heldOut = entered.filter((e) => isHeldOut('followup', e.profileId, HOLDOUT));
    const treated = entered.filter((e) => !isHeldOut('followup', e.profileId, HOLDOUT));
    const followup = webhooks.callsTo('/followup');
    expect(followup).toHaveLength(2 * treated.length);
    for (const event of treated) {
      const key = deliveryIdOf('followup', event.id);
      const calls = followup.filter((c) => c.key === key);
      expect(
        calls.map((c) => [c.status, c.headers['x-cdp-delivery-attempt'], c.headers['idempotency-key']]),
      ).toEqual([
        [503, '1', key],
        [200, '2', key],
      ]);
      expect(calls[1].body).toBe(calls[0].body);
      expect(bodyOf(calls[0])).toEqual({ ...event, campaignId: 'followup', deliveryId: key });
      expect(verifySignature(secret, calls[1].body, calls[1].headers['x-cdp-signature'] as string)).toBe(
        true,
      );
    }
    const heldProfiles = new Set(heldOut.map((e) => e.profileId));
    expect(followup.filter((c) => heldProfiles.has(bodyOf(c).profileId))).toEqual([]);

    // the delivery log
    const welcomeLog = await deliveries(ch, 'welcome');
    expect(
      welcomeLog
        .map((d) => [
          d.delivery_id,
          d.profile_id,
          d.segment_event_id,
          d.status,
          d.attempts,
          d.last_status_code,
        ])
        .sort(),
    ).toEqual(entered.map((e) => [deliveryIdOf('welcome', e.id), e.profileId, e.id, 'sent', 1, 200]).sort());
    const rows = await ch.query<{
      delivery_id: string;
      segment_id: string;
      segment_version: number;
      event_type: string;
      cause_kind: string;
      source_topic: string;
      payload: string;
    }>(sql`
      SELECT delivery_id, segment_id, segment_version, event_type, cause_kind, source_topic, payload
      FROM campaign_deliveries FINAL WHERE campaign_id = 'welcome'`);
    expect(rows).toHaveLength(entered.length);
    for (const row of rows) {
      expect(row).toMatchObject({
        segment_id: 'buyers',
        segment_version: 1,
        event_type: 'segment.entered',
        cause_kind: 'event',
        source_topic: env.TOPIC_SEGMENT_EVENTS,
      });
      // the stored body is the one the endpoint got
      expect(welcome.find((c) => c.key === row.delivery_id)?.body).toBe(row.payload);
    }
    const followupLog = await deliveries(ch, 'followup');
    expect(
      followupLog.map((d) => [d.delivery_id, d.profile_id, d.segment_event_id, d.status, d.attempts]).sort(),
    ).toEqual(
      [
        ...treated.map((e) => [deliveryIdOf('followup', e.id), e.profileId, e.id, 'sent', 2]),
        ...heldOut.map((e) => [deliveryIdOf('followup', e.id), e.profileId, e.id, 'held_out', 0]),
      ].sort(),
    );
  }

  /** Each entry: the buyer's first completed order caused it, dated by the order, with the buyer's identities. */
  function expectEntry(c: Customer, entry: SegmentEvent | undefined): void {
    const first = orders.get(c.name)?.[0];
    expect(first).toBeDefined();
    expect(entry).toMatchObject({
      type: 'segment.entered',
      segment: { id: 'buyers', version: 1 },
      identities: { userId: c.user, anonymousIds: [c.anon], email: c.email },
      occurredAt: first?.at,
      cause: { kind: 'event', eventId: first?.eventId, kafka: { topic: env.TOPIC_RAW_TRANSACTION } },
      reason: [{ condition: 'Order Completed count within 30d >= 1', actual: 1, result: true }],
    });
    expect(entry?.id).toMatch(/^[0-9a-f]{64}$/);
    // the key of the segment event is the profile id
    expect(segmentEvents.events.find((r) => r.event.id === entry?.id)?.key).toBe(entry?.profileId);
  }

  beforeAll(async () => {
    await webhooks.start();
    webhooks.route('/followup', (_call, nth) => (nth === 1 ? 503 : 200));
    ch = clickhouseFor(env);
    [ingest, api, segmenter, campaign] = await Promise.all([
      startIngest(env),
      startApi(env),
      startSegmenter(env),
      startCampaign(env),
    ]);
    admin = new AdminClient(api.url(''));
    await kafka.admin.connect();
    await segmentEvents.start();
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_partitions_owned')) === 2,
      30000,
      'the segmenter to own both partitions',
    );
  });

  afterAll(async () => {
    await segmentEvents.stop();
    await Promise.all([segmenter?.stop('SIGKILL'), ingest?.stop('SIGKILL'), api?.stop(), campaign?.stop()]);
    await kafka.close();
    await webhooks.close();
    await ch?.close();
    await dropSuite(env);
  });

  it('calls the webhooks once per buyer the segmenter puts in the segment, with its very segment event', async () => {
    // 1. a segment and two campaigns on entering it, through the api
    const segment = await admin.request<{ updatedAt: string }>('POST', '/v1/segments', {
      id: 'buyers',
      name: 'Buyers',
      rule: { event: 'Order Completed', within: { days: 30 }, count: { gte: 1 } },
    });
    expect(segment.status).toBe(201);
    await eventually(
      async () =>
        (await metric(segmenter, 'cdp_segmenter_batch_seconds_count', { kind: 'definitions' })) >= 2,
      30000,
      'both segmenter partitions to apply the new segment',
    );
    const welcome = await admin.request(
      'POST',
      '/v1/campaigns',
      campaignBody('welcome', 'buyers', webhooks.url('/welcome'), { name: 'Welcome buyers' }),
    );
    expect(welcome.status).toBe(201);
    const followup = await admin.request(
      'POST',
      '/v1/campaigns',
      campaignBody('followup', 'buyers', webhooks.url('/followup'), {
        name: 'Follow-up',
        holdoutPercent: HOLDOUT,
        frequencyCap: { max: 1, per: { days: 30 } },
        secret,
      }),
    );
    expect(followup.status).toBe(201);
    await waitForDefinition(campaign, 'welcome', 1);
    await waitForDefinition(campaign, 'followup', 1);

    // 2. eight people browse and sign in (chen and eva also look at products)
    const t = Date.now() - 120_000;
    const viewed = (c: Customer, i: number): Produced =>
      web(
        c,
        raw.track(
          `m-${c.name}-view-${i}-${suffix}`,
          { anonymousId: c.anon },
          'Product Viewed',
          { sku: `sk-${i}`, category: 'skincare' },
          iso(t + 1000 + i),
        ),
      );
    const visits = [
      ...visit(ana, t),
      ...visit(bo, t),
      ...visit(chen, t, [viewed(chen, 1), viewed(chen, 2)]),
      ...visit(dai, t),
      ...visit(eva, t, [viewed(eva, 1)]),
      ...visit(fan, t),
      ...visit(gus, t),
      ...visit(hana, t),
    ];
    await send(visits);
    const webIds = visits.map((m) => (JSON.parse(m.value as string) as { messageId: string }).messageId);
    await eventually(
      async () => (await eventIds(webIds)).length === webIds.length,
      60000,
      'the visits to land in ClickHouse',
    );

    // 3. orders: bo orders twice, dai by email only, fan's order is cancelled; chen never orders.
    // Dated after the segment's updatedAt: the segmenter never evaluates before it (an order
    // dated earlier would enter at updatedAt, not at its own time).
    await sleep(Date.parse(segment.body.updatedAt) + 1000 - Date.now());
    const now = Date.now();
    await send([
      order(ana, 1, { userId: true, email: true }, 'completed', now - 600),
      order(bo, 1, { userId: true, email: true }, 'completed', now - 500),
      order(bo, 2, { userId: true, email: true }, 'completed', now - 400),
      order(dai, 1, { email: true }, 'completed', now - 300),
      order(eva, 1, { userId: true }, 'completed', now - 200),
      order(fan, 1, { userId: true, email: true }, 'cancelled', now - 100),
    ]);
    await segmentEvents.waitFor((e) => e.type === 'segment.entered', 4, 60000);
    await drained(4);
    const phase1 = [ana, bo, dai, eva];
    for (const c of phase1) expectEntry(c, entryOf(c));
    // nothing else: one entry per buyer (bo's second order changes nothing), no exit
    expect(segmentEvents.events.map((r) => brief(r.event)).sort()).toEqual(
      phase1
        .map((c) => `${entryOf(c)?.profileId} +buyers@v1 event:${orders.get(c.name)?.[0].eventId}`)
        .sort(),
    );

    await expectDeliveries(phase1.map((c) => entryOf(c) as SegmentEvent));

    // the non-buyers: nothing anywhere
    for (const c of [chen, fan]) {
      const profileId = await profileIdOf(c);
      expect(segmentEvents.matching((e) => e.profileId === profileId)).toEqual([]);
      expect(webhooks.calls.filter((call) => bodyOf(call).profileId === profileId)).toEqual([]);
      const rows = await ch.query(
        sql`SELECT delivery_id FROM campaign_deliveries WHERE profile_id = ${profileId}`,
      );
      expect(rows).toEqual([]);
    }
  });

  it('a segmenter SIGKILLed right after an entry and restarted adds no duplicate delivery', async () => {
    // 1. gus buys, ana buys again; the segmenter dies as soon as gus's entry is committed
    await send([order(gus, 1, { userId: true, email: true }), order(ana, 2, { userId: true, email: true })]);
    await segmentEvents.waitFor((e) => e.identities.userId === gus.user, 1, 60000);
    expect(await segmenter.stop('SIGKILL')).toBeNull();

    // 2. while it is down: hana buys, bo buys a third time, chen browses again
    await send([
      order(hana, 1, { userId: true, email: true }),
      order(bo, 3, { userId: true, email: true }),
      web(chen, raw.page(`m-chen-page-2-${suffix}`, chen.anon, iso(Date.now() - 500))),
    ]);

    // 3. a new process with the same group, transactional ids and state topic (it consumes
    // again once the dead instance's members are evicted: SEGMENTER_SESSION_TIMEOUT_MS)
    segmenter = await startSegmenter(env);
    await eventually(
      async () => (await metric(segmenter, 'cdp_segmenter_partitions_owned')) === 2,
      60000,
      `the restarted segmenter to own both partitions; output:\n${segmenter.output().slice(-3000)}`,
    );
    await segmentEvents.waitFor((e) => e.identities.userId === hana.user, 1, 60000);
    await drained(6);

    // one entry per buyer: the restart re-entered nobody, repeat orders changed nothing
    const buyers = [ana, bo, dai, eva, gus, hana];
    for (const c of buyers) {
      expect([c.name, segmentEvents.matching((e) => e.identities.userId === c.user).length]).toEqual([
        c.name,
        1,
      ]);
      expectEntry(c, entryOf(c));
    }
    expect(segmentEvents.events).toHaveLength(6);
    expect(new Set(segmentEvents.events.map((r) => r.event.id)).size).toBe(6);
    expect(new Set(segmentEvents.events.map((r) => r.event.profileId)).size).toBe(6);

    // still exactly one delivery per customer and campaign
    await expectDeliveries(buyers.map((c) => entryOf(c) as SegmentEvent));
    expect(await metric(campaign, 'cdp_campaign_duplicate_decisions_total')).toBe(0);
  });
});
