import { ClickHouseClient, inList, sql } from '@cdp/clickhouse';
import { identifierKey, profileIdForComponent, profileIdForKey } from '@cdp/domain';
import { ConfigResourceTypes } from 'kafkajs';
import {
  clickhouseFor,
  dropSuiteData,
  ingestEnv,
  KafkaHarness,
  metric,
  raw,
  startIngest,
  TopicReader,
} from '../support/ingest-harness';
import { ServiceProcess } from '../support/service-process';
import { eventually, uniqueSuffix } from '../support/test-env';

interface EventRow {
  event_id: string;
  profile_id: string;
  source: string;
  name: string;
  revenue: number;
  currency: string;
  category: string;
  categories: string[];
  topics: string[];
  utm_source: string;
  user_id: string;
  anonymous_id: string;
  email: string;
  occurred_at: string;
  kafka_topic: string;
}

describe('ingest: raw topics -> ClickHouse and cdp.events', () => {
  const suffix = uniqueSuffix();
  const env = ingestEnv(suffix);
  const kafka = new KafkaHarness(env.KAFKA_BROKERS);
  let ch: ClickHouseClient;
  let svc: ServiceProcess;
  let canonical: TopicReader;
  let dlq: TopicReader;
  let produced = 0;
  let graphIdentifiers = 0;
  // the person of the identity journey
  const anon = `a-${suffix}`;
  const user = `u-${suffix}`;
  const email = `lin.${suffix}@example.com`;
  const handle = `lin_${suffix}`;
  const keys = [
    identifierKey('anonymousId', anon),
    identifierKey('userId', user),
    identifierKey('email', email),
    identifierKey('customerId', `c-${suffix}`),
    identifierKey('social', `weibo:${handle}`),
  ];
  const person = profileIdForComponent(keys);

  const send = async (messages: Parameters<KafkaHarness['send']>[0]): Promise<void> => {
    produced += messages.length;
    await kafka.send(messages);
  };

  async function rows(eventIds: string[]): Promise<EventRow[]> {
    return ch.query<EventRow>(
      sql`SELECT event_id, profile_id, source, name, revenue, currency, category, categories, topics, utm_source, user_id, anonymous_id, email, toString(occurred_at) AS occurred_at, kafka_topic FROM events WHERE event_id IN ${inList(eventIds)} ORDER BY event_id`,
    );
  }

  async function landed(eventIds: string[]): Promise<EventRow[]> {
    await eventually(
      async () => (await rows(eventIds)).length >= eventIds.length,
      60000,
      `events ${eventIds.join(', ')}`,
    );
    return rows(eventIds);
  }

  beforeAll(async () => {
    ch = clickhouseFor(env);
    svc = await startIngest(env);
    canonical = await kafka.collect(env.TOPIC_EVENTS);
    dlq = await kafka.collect(env.TOPIC_EVENTS_DLQ);
  });

  afterAll(async () => {
    await svc?.stop('SIGKILL');
    await dropSuiteData(kafka, ch, suffix, env.CLICKHOUSE_DATABASE);
  });

  it('writes all four sources to events with canonical names, revenue and extracted columns, then publishes them', async () => {
    await send([
      {
        topic: env.TOPIC_RAW_WEB,
        key: 'a-src',
        value: raw.track(
          `m-track-${suffix}`,
          { anonymousId: `a-src-${suffix}` },
          'Checkout Started',
          { revenue: '99.50', currency: 'usd', category: 'checkout' },
          '2026-11-01T08:00:00.250Z',
        ),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        key: 'a-src',
        value: raw.page(`m-page-${suffix}`, `a-src-${suffix}`, '2026-11-01T08:00:05Z'),
      },
      {
        topic: env.TOPIC_RAW_SOCIAL,
        key: '@src',
        value: raw.social(`wb-${suffix}`, `@src_${suffix}`, {}, 'like', '2026-11-01T08:01:00Z'),
      },
      {
        topic: env.TOPIC_RAW_AD,
        value: raw.ad(`ad-${suffix}`, `a-src-${suffix}`, 'click', '2026-11-01T08:02:00Z'),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: `o-src-${suffix}`,
        value: raw.transaction(
          `o-src-${suffix}`,
          'completed',
          { userId: `u-src-${suffix}`, customerId: null, email: null, phone: null },
          259,
          '2026-11-01T09:00:00Z',
        ),
      },
    ]);
    const ids = [
      `m-track-${suffix}`,
      `m-page-${suffix}`,
      `weibo:wb-${suffix}`,
      `google_ads:ad-${suffix}`,
      `o-src-${suffix}:completed`,
    ];
    const byId = new Map((await landed(ids)).map((r) => [r.event_id, r]));

    expect(byId.get(`m-track-${suffix}`)).toMatchObject({
      source: 'web',
      name: 'Checkout Started',
      revenue: 99.5,
      currency: 'USD',
      category: 'checkout',
      anonymous_id: `a-src-${suffix}`,
      occurred_at: '2026-11-01 08:00:00',
      kafka_topic: env.TOPIC_RAW_WEB,
    });
    // the profile known when it was ingested: the anonymous id's own, or, when the ad click
    // (which links that anonymous id to its click id) was resolved first, the linked profile
    const own = profileIdForKey(identifierKey('anonymousId', `a-src-${suffix}`));
    const linked = byId.get(`google_ads:ad-${suffix}`)?.profile_id;
    expect([own, linked]).toContain(byId.get(`m-track-${suffix}`)?.profile_id);
    expect(byId.get(`m-page-${suffix}`)).toMatchObject({
      name: 'Page Viewed',
      category: 'landing',
      utm_source: 'google',
    });
    expect(byId.get(`weibo:wb-${suffix}`)).toMatchObject({
      source: 'social',
      name: 'Social Like',
      topics: ['skincare', 'double11'],
    });
    expect(byId.get(`google_ads:ad-${suffix}`)).toMatchObject({ source: 'ad', name: 'Ad Click' });
    expect(byId.get(`o-src-${suffix}:completed`)).toMatchObject({
      source: 'transaction',
      name: 'Order Completed',
      revenue: 259,
      currency: 'CNY',
      categories: ['skincare'],
      user_id: `u-src-${suffix}`,
    });

    const published = await canonical.waitFor(
      ids.length,
      'canonical events',
      (m) =>
        !m.value.includes('"identity.merged"') && ids.some((id) => m.value.includes(`"eventId":"${id}"`)),
    );
    for (const m of published) {
      const body = JSON.parse(m.value) as { eventId: string; profileId: string; name: string };
      expect(m.key).toBe(body.profileId);
      expect(body.profileId).toBe(byId.get(body.eventId)?.profile_id);
    }
  });

  it('dead-letters bad messages with reasons naming the fields, and keeps going on the same partition', async () => {
    const before = await metric(svc, 'cdp_ingest_dead_letters_total');
    const invalidJson = '{"type": "track", "messageId": ';
    await send([
      { topic: env.TOPIC_RAW_WEB, partition: 0, key: 'bad-1', value: invalidJson },
      {
        topic: env.TOPIC_RAW_WEB,
        partition: 0,
        key: 'bad-2',
        value: JSON.stringify({ type: 'track', messageId: `m-bad-2-${suffix}`, anonymousId: 'a-bad' }),
      },
      {
        topic: env.TOPIC_RAW_SOCIAL,
        partition: 0,
        key: 'bad-3',
        value: raw.social(`poke-${suffix}`, '@poker', {}, 'poke', '2026-11-01T08:00:00Z'),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        partition: 0,
        key: 'bad-4',
        value: JSON.stringify({ orderId: `o-bad-${suffix}`, status: 'completed' }),
      },
      {
        topic: env.TOPIC_RAW_WEB,
        partition: 0,
        key: 'good-1',
        value: raw.page(`m-after-${suffix}`, `a-after-${suffix}`, '2026-11-01T10:00:00Z'),
      },
      {
        topic: env.TOPIC_RAW_SOCIAL,
        partition: 0,
        key: 'good-2',
        value: raw.social(`after-${suffix}`, '@after', {}, 'comment', '2026-11-01T10:00:00Z'),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        partition: 0,
        key: 'good-3',
        value: raw.transaction(
          `o-after-${suffix}`,
          'refunded',
          { userId: null, customerId: null, email: `after-${suffix}@example.com`, phone: null },
          10,
          '2026-11-01T10:00:00Z',
        ),
      },
    ]);
    await landed([`m-after-${suffix}`, `weibo:after-${suffix}`, `o-after-${suffix}:refunded`]);

    interface Letter {
      reason: string;
      reasons: { path: string; message: string }[];
      source: { topic: string; partition: number; offset: string; timestamp: string };
      keyBase64: string | null;
      payloadBase64: string;
      rejectedAt: string;
    }
    const letters = await dlq.waitFor(4, 'four dead letters');
    const byKey = new Map(letters.map((m) => [m.key, JSON.parse(m.value) as Letter]));
    expect(byKey.get('bad-1')).toMatchObject({
      reason: 'invalid_json',
      reasons: [{ path: '$' }],
      source: { topic: env.TOPIC_RAW_WEB, partition: 0 },
    });
    expect(Buffer.from(byKey.get('bad-1')!.payloadBase64, 'base64').toString('utf8')).toBe(invalidJson);
    expect(byKey.get('bad-1')!.keyBase64).toBe(Buffer.from('bad-1').toString('base64'));
    expect(Number.isNaN(Date.parse(byKey.get('bad-1')!.rejectedAt))).toBe(false);
    expect(byKey.get('bad-2')!.reasons.map((r) => r.path)).toContain('event');
    expect(byKey.get('bad-3')).toMatchObject({
      reason: 'validation_failed',
      source: { topic: env.TOPIC_RAW_SOCIAL },
    });
    expect(byKey.get('bad-3')!.reasons.map((r) => r.path)).toEqual(['action']);
    expect(byKey.get('bad-3')!.reasons[0].message).toMatch(/like/);
    const missing = byKey.get('bad-4')!.reasons.map((r) => r.path);
    expect(missing).toEqual(expect.arrayContaining(['occurredAt', 'customer', 'total']));

    const stored = await ch.query<{
      source_topic: string;
      source_offset: number;
      reason_codes: string[];
      reasons: string;
    }>(
      sql`SELECT source_topic, source_offset, reason_codes, reasons FROM dead_letters ORDER BY source_topic, source_offset`,
    );
    expect(stored).toHaveLength(4);
    expect(stored.map((r) => r.reason_codes[0]).sort()).toEqual(
      ['invalid_json', 'validation_failed', 'validation_failed', 'validation_failed'].sort(),
    );
    expect(
      stored.some((r) => (JSON.parse(r.reasons) as { path: string }[]).some((p) => p.path === 'action')),
    ).toBe(true);
    await eventually(
      async () => (await metric(svc, 'cdp_ingest_dead_letters_total')) - before === 4,
      10000,
      'dead-letter counter',
    );
    expect(
      await metric(svc, 'cdp_ingest_dead_letters_total', { reason: 'invalid_json' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('resolves an anonymous visitor, a login, an order and a social actor to one profile, recording and publishing the merges', async () => {
    const steps: [string, Parameters<KafkaHarness['send']>[0][number]][] = [
      [
        `m-visit-${suffix}`,
        {
          topic: env.TOPIC_RAW_WEB,
          key: anon,
          value: raw.page(`m-visit-${suffix}`, anon, '2026-11-02T08:00:00Z'),
        },
      ],
      [
        `m-login-${suffix}`,
        {
          topic: env.TOPIC_RAW_WEB,
          key: user,
          value: raw.identify(
            `m-login-${suffix}`,
            user,
            anon,
            { country: 'CN', vip: true, age: 31, prefs: { sms: false } },
            '2026-11-02T08:05:00Z',
          ),
        },
      ],
      [
        `o-${suffix}:completed`,
        {
          topic: env.TOPIC_RAW_TRANSACTION,
          key: `o-${suffix}`,
          value: raw.transaction(
            `o-${suffix}`,
            'completed',
            { userId: user, customerId: `c-${suffix}`, email: email.toUpperCase(), phone: null },
            120,
            '2026-11-02T09:00:00Z',
          ),
        },
      ],
      [
        `weibo:s-${suffix}`,
        {
          topic: env.TOPIC_RAW_SOCIAL,
          key: handle,
          value: raw.social(`s-${suffix}`, `@${handle}`, { email }, 'share', '2026-11-02T10:00:00Z'),
        },
      ],
    ];
    for (const [id, message] of steps) {
      await send([message]);
      await landed([id]); // one after the other, as a person would
    }
    const ids = steps.map(([id]) => id);

    // the visit was filed under the anonymous id's own profile, before anyone knew more
    const visit = (await rows([`m-visit-${suffix}`]))[0];
    expect(visit.profile_id).toBe(profileIdForKey(identifierKey('anonymousId', anon)));

    // the whole history through profile_merges (absorbed -> survivor)
    const history = async () =>
      ch.query<{ event_id: string; profile: string }>(
        sql`SELECT event_id, if(m.survivor_id = '', e.profile_id, m.survivor_id) AS profile
            FROM (SELECT event_id, profile_id FROM events WHERE event_id IN ${inList(ids)}) AS e
            ANY LEFT JOIN (SELECT absorbed_id AS profile_id, argMax(survivor_id, version) AS survivor_id
                           FROM profile_merges GROUP BY absorbed_id) AS m USING profile_id`,
      );
    await eventually(
      async () => {
        const h = await history();
        return h.length === ids.length && h.every((r) => r.profile === person);
      },
      30000,
      `history of ${person}: ${JSON.stringify(await history())}`,
    );

    const merges = await ch.query<{ absorbed_id: string; survivor_id: string }>(
      sql`SELECT absorbed_id, argMax(survivor_id, version) AS survivor_id FROM profile_merges GROUP BY absorbed_id`,
    );
    expect(merges.length).toBeGreaterThanOrEqual(1);
    expect(merges.filter((m) => m.survivor_id === person).length).toBeGreaterThanOrEqual(1);

    // every identifier maps to the person (latest version wins)
    const identities = await ch.query<{ identifier: string; profile: string }>(
      sql`SELECT identifier, argMax(profile_id, version) AS profile FROM identities WHERE identifier IN ${inList(keys)} GROUP BY identifier`,
    );
    expect(identities.map((i) => i.identifier).sort()).toEqual([...keys].sort());
    const resolve = new Map(merges.map((m) => [m.absorbed_id, m.survivor_id]));
    for (const i of identities) expect(resolve.get(i.profile) ?? i.profile).toBe(person);

    // merges are announced on cdp.events, keyed by the survivor
    const announced = await canonical.waitFor(
      1,
      'an identity.merged event',
      (m) => m.value.includes('"identity.merged"') && m.key === person,
    );
    expect(JSON.parse(announced[0].value)).toMatchObject({
      type: 'identity.merged',
      survivorId: person,
      eventId: expect.any(String),
    });

    // identify traits, one row per trait with its type
    const traits = await ch.query<{ trait: string; value: string; value_type: string }>(
      sql`SELECT trait, value, value_type FROM trait_updates WHERE event_id = ${`m-login-${suffix}`} ORDER BY trait`,
    );
    expect(traits).toEqual([
      { trait: 'age', value: '31', value_type: 'number' },
      { trait: 'country', value: 'CN', value_type: 'string' },
      { trait: 'prefs', value: '{"sms":false}', value_type: 'json' },
      { trait: 'vip', value: 'true', value_type: 'boolean' },
    ]);
  });

  it('writes a redelivered message once: the event_ids check runs before the insert', async () => {
    const batch = [
      {
        topic: env.TOPIC_RAW_WEB,
        key: 'r',
        value: raw.track(
          `m-again-${suffix}`,
          { userId: `u-again-${suffix}` },
          'Product Viewed',
          { sku: 'sk-1' },
          '2026-11-03T08:00:00Z',
        ),
      },
      {
        topic: env.TOPIC_RAW_TRANSACTION,
        key: 'r',
        value: raw.transaction(
          `o-again-${suffix}`,
          'completed',
          { userId: `u-again-${suffix}`, customerId: null, email: null, phone: null },
          50,
          '2026-11-03T09:00:00Z',
        ),
      },
      {
        topic: env.TOPIC_RAW_SOCIAL,
        key: 'r',
        value: raw.social(
          `again-${suffix}`,
          '@again',
          { userId: `u-again-${suffix}` },
          'follow',
          '2026-11-03T10:00:00Z',
        ),
      },
    ];
    const ids = [`m-again-${suffix}`, `o-again-${suffix}:completed`, `weibo:again-${suffix}`];
    const duplicatesBefore = await metric(svc, 'cdp_ingest_messages_total', { outcome: 'duplicate' });
    await send(batch);
    await landed(ids);
    await send(batch); // the same messages again (a source retrying, or a redelivery)
    await send([batch[0], batch[0]]); // and twice within one batch
    await eventually(
      async () =>
        (await metric(svc, 'cdp_ingest_messages_total', { outcome: 'duplicate' })) - duplicatesBefore >= 5,
      30000,
      'five duplicates counted',
    );
    const counts = await ch.query<{ event_id: string; n: string }>(
      sql`SELECT event_id, count() AS n FROM events WHERE event_id IN ${inList(ids)} GROUP BY event_id ORDER BY event_id`,
    );
    expect(counts.map((c) => [c.event_id, Number(c.n)])).toEqual(ids.map((id) => [id, 1]).sort());
  });

  it('commits what it wrote and shuts down gracefully on SIGTERM', async () => {
    const topics = [env.TOPIC_RAW_WEB, env.TOPIC_RAW_SOCIAL, env.TOPIC_RAW_AD, env.TOPIC_RAW_TRANSACTION];
    await kafka.admin.connect();
    await eventually(
      async () => (await kafka.committed(env.INGEST_GROUP_ID, topics)) === produced,
      30000,
      `${produced} committed`,
    );
    expect(await metric(svc, 'cdp_ingest_identity_graph_size', { kind: 'identifiers' })).toBeGreaterThan(5);
    const links = await kafka.admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: env.TOPIC_IDENTITY_LINKS, configNames: ['cleanup.policy'] },
      ],
    });
    expect(links.resources[0].configEntries[0]).toMatchObject({
      configName: 'cleanup.policy',
      configValue: 'compact',
    });
    const offsets = await kafka.admin.fetchTopicOffsets(env.TOPIC_IDENTITY_LINKS);
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBeGreaterThanOrEqual(4); // the journey's facts
    expect(
      await metric(svc, 'cdp_ingest_clickhouse_insert_seconds_count', { table: 'events' }),
    ).toBeGreaterThan(0);
    graphIdentifiers = await metric(svc, 'cdp_ingest_identity_graph_size', { kind: 'identifiers' });
    expect(await svc.stop('SIGTERM')).toBe(0);
    const messages = svc.jsonLines().map((l) => String(l.msg));
    expect(messages).toContain('consuming raw topics');
    expect(messages).toContain('shutdown complete');
  });

  it('a restarted instance rebuilds its graph from the links topic and files new events under the known profile', async () => {
    svc = await startIngest(env);
    const loaded = svc.jsonLines().find((l) => l.msg === 'identity graph loaded');
    expect(Number(loaded?.facts)).toBeGreaterThanOrEqual(4);
    expect(await metric(svc, 'cdp_ingest_identity_graph_size', { kind: 'identifiers' })).toBe(
      graphIdentifiers,
    );

    await send([
      {
        topic: env.TOPIC_RAW_WEB,
        key: anon,
        value: raw.page(`m-return-${suffix}`, anon, '2026-11-04T08:00:00Z'),
      },
    ]);
    const [back] = await landed([`m-return-${suffix}`]);
    expect(back.profile_id).toBe(person);
    expect(svc.jsonLines().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(await svc.stop('SIGTERM')).toBe(0);
  });
});
