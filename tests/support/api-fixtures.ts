import { formatDateTime, type ClickHouseClient } from '@cdp/clickhouse';

const DAY = 86400000;

/** A realistic little population written straight into the suite database (as ingest would). */
export interface Person {
  profileId: string;
  userId?: string;
  anonymousId: string;
  email?: string;
  country?: string;
  /** Days ago of each completed order (revenue 50 each, USD). */
  orders: number[];
  /** First touch: a page view `firstSeenDaysAgo` days ago with these utm fields. */
  firstSeenDaysAgo: number;
  utmMedium?: string;
  utmSource?: string;
}

export const PEOPLE: Person[] = [
  {
    profileId: 'p-01',
    userId: 'u-01',
    anonymousId: 'a-01',
    email: 'lin@example.org',
    country: 'CN',
    orders: [2, 10, 20],
    firstSeenDaysAgo: 60,
    utmMedium: 'email',
  },
  {
    profileId: 'p-02',
    userId: 'u-02',
    anonymousId: 'a-02',
    email: 'mei@example.org',
    country: 'SG',
    orders: [3, 40, 50],
    firstSeenDaysAgo: 70,
    utmMedium: 'cpc',
    utmSource: 'google',
  },
  {
    profileId: 'p-03',
    userId: 'u-03',
    anonymousId: 'a-03',
    country: 'CN',
    orders: [5],
    firstSeenDaysAgo: 30,
    utmMedium: 'email',
  },
  {
    profileId: 'p-04',
    userId: 'u-04',
    anonymousId: 'a-04',
    country: 'US',
    orders: [120],
    firstSeenDaysAgo: 200,
  },
  {
    profileId: 'p-05',
    anonymousId: 'a-05',
    orders: [],
    firstSeenDaysAgo: 3,
    utmMedium: 'social',
    utmSource: 'weibo',
  },
  { profileId: 'p-06', anonymousId: 'a-06', country: 'SG', orders: [], firstSeenDaysAgo: 8 },
  {
    profileId: 'p-07',
    userId: 'u-07',
    anonymousId: 'a-07',
    email: 'kim@example.org',
    orders: [1, 4],
    firstSeenDaysAgo: 15,
    utmMedium: 'cpc',
    utmSource: 'google',
  },
  { profileId: 'p-08', anonymousId: 'a-08', orders: [], firstSeenDaysAgo: 1, utmMedium: 'email' },
];

export async function insertPeople(
  ch: ClickHouseClient,
  now: number,
  people: Person[] = PEOPLE,
): Promise<void> {
  const events: Record<string, unknown>[] = [];
  const traits: Record<string, unknown>[] = [];
  const identities: Record<string, unknown>[] = [];
  let offset = 0;
  for (const p of people) {
    const ids = [
      ...(p.userId ? [`userId:${p.userId}`] : []),
      `anonymousId:${p.anonymousId}`,
      ...(p.email ? [`email:${p.email}`] : []),
    ];
    const base = (at: number) => ({
      profile_id: p.profileId,
      occurred_at: formatDateTime(new Date(at)),
      occurred_ms: at % 1000,
      received_at: formatDateTime(new Date(at)),
      ingested_at: formatDateTime(new Date(at)),
      user_id: p.userId ?? '',
      anonymous_id: p.anonymousId,
      email: p.email ?? '',
      identifiers: ids,
      kafka_partition: 0,
      kafka_offset: offset++,
    });
    const first = now - p.firstSeenDaysAgo * DAY;
    events.push({
      ...base(first),
      event_id: `${p.profileId}-first`,
      source: 'web',
      type: 'page',
      name: 'Page Viewed',
      utm_medium: p.utmMedium ?? '',
      utm_source: p.utmSource ?? '',
      properties: '{}',
      traits: '{}',
      kafka_topic: 'cdp.raw.web',
    });
    p.orders.forEach((d, i) => {
      events.push({
        ...base(now - d * DAY),
        event_id: `${p.profileId}-o${i}:completed`,
        source: 'transaction',
        type: 'transaction',
        name: 'Order Completed',
        revenue: 50,
        currency: 'USD',
        channel: 'online',
        properties: JSON.stringify({ revenue: 50, currency: 'USD' }),
        traits: '{}',
        kafka_topic: 'cdp.raw.transaction',
      });
    });
    ids.forEach((identifier, v) => {
      const [kind, ...rest] = identifier.split(':');
      identities.push({
        identifier,
        kind,
        value: rest.join(':'),
        profile_id: p.profileId,
        first_seen_at: formatDateTime(new Date(first)),
        version: v + 1,
      });
    });
    if (p.country) {
      traits.push({
        profile_id: p.profileId,
        trait: 'country',
        value: p.country,
        value_type: 'string',
        updated_at: formatDateTime(new Date(first)),
        updated_ms: 0,
        event_id: `${p.profileId}-first`,
        source: 'web',
      });
    }
  }
  await ch.insert('events', events);
  await ch.insert(
    'event_ids',
    events.map((e) => ({ event_id: e.event_id, profile_id: e.profile_id, ingested_at: e.ingested_at })),
  );
  await ch.insert('trait_updates', traits);
  await ch.insert('identities', identities);
}

/** segment_transitions rows as the segmenter records them. */
export async function insertTransitions(
  ch: ClickHouseClient,
  rows: {
    segment: string;
    profileId: string;
    type: 'segment.entered' | 'segment.exited';
    at: number;
    sequence: number;
  }[],
): Promise<void> {
  await ch.insert(
    'segment_transitions',
    rows.map((r) => ({
      id: `${r.segment}-${r.profileId}-${r.sequence}`,
      segment_id: r.segment,
      segment_version: 1,
      profile_id: r.profileId,
      type: r.type,
      sequence: r.sequence,
      occurred_at: formatDateTime(new Date(r.at)),
      occurred_ms: r.at % 1000,
      emitted_at: formatDateTime(new Date(r.at)),
      emitted_ms: 0,
      cause_kind: 'event',
      cause_event_id: '',
      cause_topic: '',
      cause_partition: -1,
      cause_offset: '',
      reason: '[]',
      user_id: '',
      email: '',
      anonymous_ids: [],
      recorded_at: formatDateTime(new Date(r.at)),
    })),
  );
}
