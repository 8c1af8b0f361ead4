import { ClickHouseClient, sql } from '@cdp/clickhouse';
import { identifierHash, identifierKey, profileIdForKey, SEED_SEGMENTS } from '@cdp/domain';
import type { SegmentEvent } from '@cdp/domain/segments';
import { clickhouseFor, dropSuiteData, KafkaHarness, raw, startIngest } from '../support/ingest-harness';
import { ServiceProcess } from '../support/service-process';
import { eventually, freePort, uniqueSuffix } from '../support/test-env';
import {
  definition,
  definitionsPublisher,
  iso,
  SegmentEventsReader,
  segmenterEnv,
  startSegmenter,
} from './segmenter-harness';

const SECOND = 1000;
const DAY = 86_400_000;
const WRITE_KEY = 'journey-key';

/**
 * The acceptance journey: a person browses (page view from a paid social campaign, three
 * skincare product views), identifies, adds to cart, orders three times, and goes quiet past the
 * churn window. Web calls go through the collector (Segment HTTP API), orders through the raw
 * transaction topic; ingest writes ClickHouse and cdp.events; the segmenter evaluates the seed
 * segments. The clock is controlled: the journey is dated 90 days ago and the segmenter's clock
 * is set there (`PUT /test/clock`, SEGMENTER_TEST_CLOCK=true), then, once the person is quiet,
 * moved to a few seconds before the end of the 90-day windows: the boundaries in between (14
 * and 30 days) are evaluated at once, each at its exact instant, and the last two pass in
 * real time. The exact sequence of segment events is asserted, with causes, instants and reasons.
 */
describe('segmenter: the customer journey through collector, ingest and segmenter', () => {
  const suffix = uniqueSuffix();
  const env = segmenterEnv(suffix, { SEGMENTER_TEST_CLOCK: 'true' });
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  const publisher = definitionsPublisher(env);
  const reader = new SegmentEventsReader(env.TOPIC_SEGMENT_EVENTS, env.KAFKA_BROKERS);
  const user = `u-${suffix}`;
  const email = `lin.${suffix}@example.com`;
  // an anonymousId whose identifier hash is the smallest of the person's: the profile id that
  // the page views are filed under survives the identify (merge of the new userId and email into it)
  let n = 0;
  let anon = `a-${suffix}-${n}`;
  const others = [
    identifierHash(identifierKey('userId', user)),
    identifierHash(identifierKey('email', email)),
  ];
  while (others.some((h) => h <= identifierHash(identifierKey('anonymousId', anon))))
    anon = `a-${suffix}-${++n}`;
  const person = profileIdForKey(identifierKey('anonymousId', anon));
  let ch: ClickHouseClient;
  let ingest: ServiceProcess;
  let segmenter: ServiceProcess;
  let collector: ServiceProcess;

  beforeAll(async () => {
    ch = clickhouseFor(env);
    collector = new ServiceProcess('collector', await freePort(), {
      ...env,
      CLICKHOUSE_MIGRATE: 'false',
      COLLECTOR_WRITE_KEYS: `${WRITE_KEY}:web`,
    });
    [ingest, segmenter] = await Promise.all([startIngest(env), startSegmenter(env)]);
    await collector.waitForStatus('/health/ready', 200, 60000);
    await reader.start();
  });

  afterAll(async () => {
    await Promise.all([collector, segmenter, ingest].map((s) => s?.stop('SIGKILL')));
    await reader.stop();
    await publisher.close().catch(() => undefined);
    await dropSuiteData(kafka, ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  async function landed(eventId: string): Promise<void> {
    await eventually(
      async () => (await ch.query(sql`SELECT event_id FROM events WHERE event_id = ${eventId}`)).length === 1,
      30000,
      `event ${eventId} in ClickHouse`,
    );
  }

  async function track(path: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(collector.url(path), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    await landed(body.messageId as string);
  }

  async function setClock(ms: number): Promise<void> {
    const res = await fetch(segmenter.url('/test/clock'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: iso(ms) }),
    });
    expect(res.status).toBe(200);
  }

  async function order(orderId: string, at: number): Promise<void> {
    await kafka.send([
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: orderId,
        value: raw.transaction(
          orderId,
          'completed',
          { userId: user, email, customerId: null, phone: null },
          2000,
          iso(at),
        ),
      },
    ]);
    await landed(`${orderId}:completed`);
  }

  it('emits the exact sequence of segment events, with causes and reasons, up to churn', async () => {
    const started = Date.now();
    const B = started - 90 * DAY;
    const at = (s: number): number => B + s * SECOND;
    await setClock(B);
    for (const s of SEED_SEGMENTS) {
      await publisher.publish(
        definition(s.id, s.rule, { name: s.name, description: s.description, updatedAt: iso(B - DAY) }),
      );
    }
    const id = (name: string): string => `${name}-${suffix}`;

    await track('/v1/page', {
      messageId: id('e1'),
      anonymousId: anon,
      name: 'Serum',
      properties: {
        url: 'https://shop.example/serum?utm_source=weibo&utm_medium=paid_social',
        category: 'skincare',
      },
      timestamp: iso(at(0)),
    });
    for (const [i, s] of [
      [2, 1],
      [3, 2],
      [4, 3],
    ]) {
      await track('/v1/track', {
        messageId: id(`e${i}`),
        anonymousId: anon,
        event: 'Product Viewed',
        properties: { category: 'skincare', sku: 'sk-1' },
        timestamp: iso(at(s)),
      });
    }
    await track('/v1/identify', {
      messageId: id('e5'),
      anonymousId: anon,
      userId: user,
      traits: { gender: 'female', age: 30, country: 'CN', email },
      timestamp: iso(at(5)),
    });
    await track('/v1/track', {
      messageId: id('e6'),
      userId: user,
      event: 'Product Added',
      properties: { sku: 'sk-1', category: 'skincare' },
      timestamp: iso(at(7)),
    });
    await order(id('o1'), at(10));
    await order(id('o2'), at(12));
    await order(id('o3'), at(14));
    await reader.waitFor((e) => e.segment.id === 'rfm-champions');
    // quiet for 90 days: 3 s before the second order leaves the 90-day window
    await setClock(at(12) + 90 * DAY - 3 * SECOND);

    const expected: [string, string, string, number][] = [
      ['+prospects-active-30d', 'event', id('e1'), at(0)],
      ['+interested-in-skincare', 'event', id('e4'), at(3)],
      ['+women-25-34-cn-paid-social', 'merge', id('e5'), at(5)],
      ['+cart-abandoners', 'event', id('e6'), at(7)],
      ['-cart-abandoners', 'event', `${id('o1')}:completed`, at(10)],
      ['+first-time-buyers', 'event', `${id('o1')}:completed`, at(10)],
      ['+low-frequency-buyers', 'event', `${id('o1')}:completed`, at(10)],
      ['-prospects-active-30d', 'event', `${id('o1')}:completed`, at(10)],
      ['-first-time-buyers', 'event', `${id('o2')}:completed`, at(12)],
      ['-low-frequency-buyers', 'event', `${id('o2')}:completed`, at(12)],
      ['+medium-frequency-buyers', 'event', `${id('o2')}:completed`, at(12)],
      ['+loyal-buyers', 'event', `${id('o3')}:completed`, at(14)],
      ['+rfm-champions', 'event', `${id('o3')}:completed`, at(14)],
      // the first of the three views leaves the 14-day window
      ['-interested-in-skincare', 'time', '', at(1) + 14 * DAY],
      // the second order leaves the 90-day frequency window (one evaluation: segments in id order)
      ['+low-frequency-buyers', 'time', '', at(12) + 90 * DAY],
      ['-medium-frequency-buyers', 'time', '', at(12) + 90 * DAY],
      // 90 days after the last order: churned, no frequency any more, recency too low for champions
      ['+churned', 'time', '', at(14) + 90 * DAY],
      ['-low-frequency-buyers', 'time', '', at(14) + 90 * DAY],
      ['-rfm-champions', 'time', '', at(14) + 90 * DAY],
    ];
    const mine = (e: SegmentEvent): boolean => e.profileId === person;
    const events = await reader.waitFor(mine, expected.length, 50000 - (Date.now() - started));
    const summary = (e: SegmentEvent): [string, string, string, number] => [
      `${e.type === 'segment.entered' ? '+' : '-'}${e.segment.id}`,
      e.cause.kind,
      e.cause.eventId ?? '',
      Date.parse(e.occurredAt),
    ];
    expect(events.map(summary)).toEqual(expected);
    expect(reader.events.filter((r) => !mine(r.event))).toEqual([]);

    // causes: the raw coordinates of the triggering message; identities as known at the instant
    const [first, , women, , , , , , , , , loyal, champions, , , , churned] = events;
    expect(first.cause.kafka?.topic).toBe(env.TOPIC_RAW_WEB);
    expect(first.identities).toEqual({ userId: null, anonymousIds: [anon], email: null });
    expect(women.cause.kafka?.topic).toBe(env.TOPIC_RAW_WEB);
    expect(women.identities).toEqual({ userId: user, anonymousIds: [anon], email });
    expect(loyal.cause.kafka).toMatchObject({ topic: env.TOPIC_RAW_TRANSACTION });
    expect(events.every((e) => e.segment.version === 1)).toBe(true);

    // reasons
    expect(women.reason).toEqual([
      { condition: 'gender = "female"', actual: 'female', result: true },
      { condition: 'age between 25 and 34', actual: 30, result: true },
      { condition: 'country = "CN"', actual: 'CN', result: true },
      { condition: 'acquisitionChannel = "paid"', actual: 'paid', result: true },
      expect.objectContaining({ actual: 'weibo', result: true }),
    ]);
    expect(loyal.reason).toEqual([
      { condition: 'Order Completed count within 180d >= 3', actual: 3, result: true },
    ]);
    expect(champions.reason).toEqual([
      { condition: 'rfm.segment = "champions"', actual: 'champions', result: true },
    ]);
    expect(churned.reason).toEqual([
      { condition: 'Order Completed count >= 1', actual: 3, result: true },
      { condition: 'Order Completed last seen older than 90d', actual: iso(at(14)), result: true },
    ]);

    // the boundaries that passed in (clock) real time were emitted within 2 s of their instants
    for (const e of events.slice(-5)) {
      const delay = Date.parse(e.emittedAt) - Date.parse(e.occurredAt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(2000);
    }
  });
});
