import { formatDateTime, type ClickHouseClient } from '@cdp/clickhouse';

const DAY = 86400000;

/** A realistic little population written straight into the suite database (as ingest would). */
export interface Person {
  profileId: string;
  userId?: string;
  anonymousId: string;
  email?: string;
  country?: string;
  /** An earlier country (set at the landing visit), replaced by `country` half way to now. */
  previousCountry?: string;
  /** Days ago of each completed order (revenue `orderValue` each, USD). */
  orders: number[];
  /** Revenue of each completed order (default 50). */
  orderValue?: number;
  /**
   * The landing visit: a page view `firstSeenDaysAgo` days ago with these utm fields and
   * referrer (or, with `landingSource`, an ad click / social interaction). Usually the first
   * touch; orders dated earlier (a store customer who visits later) come first.
   */
  firstSeenDaysAgo: number;
  utmMedium?: string;
  utmSource?: string;
  referrer?: string;
  /** `ad`: the landing is an `Ad Click` of that network; `social`: a `Social Like` on that platform. */
  landingSource?: { kind: 'ad' | 'social'; channel: string };
  /** Later page views (never the first touch). */
  visits?: { daysAgo: number; utmMedium?: string; utmSource?: string; referrer?: string }[];
  /**
   * An anonymous profile of the same person (guest visits and orders) absorbed into this one
   * `mergedDaysAgo` days ago, as ingest records it (profile_merges, identities re-pointed).
   */
  absorbed?: Omit<Person, 'absorbed' | 'userId' | 'email' | 'country' | 'previousCountry'> & {
    mergedDaysAgo: number;
  };
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
  const merges: Record<string, unknown>[] = [];
  let offset = 0;
  /** Events and identities of one profile; `owner` is the profile its identifiers point to now. */
  const write = (p: Person | NonNullable<Person['absorbed']>, owner: string, version: number): void => {
    const userId = 'userId' in p ? p.userId : undefined;
    const email = 'email' in p ? p.email : undefined;
    const ids = [
      ...(userId ? [`userId:${userId}`] : []),
      `anonymousId:${p.anonymousId}`,
      ...(email ? [`email:${email}`] : []),
    ];
    const base = (at: number) => ({
      profile_id: p.profileId,
      occurred_at: formatDateTime(new Date(at)),
      occurred_ms: at % 1000,
      received_at: formatDateTime(new Date(at)),
      ingested_at: formatDateTime(new Date(at)),
      user_id: userId ?? '',
      anonymous_id: p.anonymousId,
      email: email ?? '',
      identifiers: ids,
      kafka_partition: 0,
      kafka_offset: offset++,
    });
    const page = (
      at: number,
      id: string,
      v: { utmMedium?: string; utmSource?: string; referrer?: string },
    ) => ({
      ...base(at),
      event_id: id,
      source: 'web',
      type: 'page',
      name: 'Page Viewed',
      utm_medium: v.utmMedium ?? '',
      utm_source: v.utmSource ?? '',
      referrer: v.referrer ?? '',
      properties: '{}',
      traits: '{}',
      kafka_topic: 'cdp.raw.web',
    });
    const first = now - p.firstSeenDaysAgo * DAY;
    const landing = p.landingSource;
    events.push(
      landing === undefined
        ? page(first, `${p.profileId}-first`, p)
        : {
            ...base(first),
            event_id: `${p.profileId}-first`,
            source: landing.kind,
            type: landing.kind,
            name: landing.kind === 'ad' ? 'Ad Click' : 'Social Like',
            channel: landing.channel,
            utm_medium: p.utmMedium ?? '',
            utm_source: p.utmSource ?? '',
            properties: JSON.stringify({ [landing.kind === 'ad' ? 'network' : 'platform']: landing.channel }),
            traits: '{}',
            kafka_topic: `cdp.raw.${landing.kind}`,
          },
    );
    (p.visits ?? []).forEach((v, i) => events.push(page(now - v.daysAgo * DAY, `${p.profileId}-v${i}`, v)));
    const value = p.orderValue ?? 50;
    p.orders.forEach((d, i) => {
      events.push({
        ...base(now - d * DAY),
        event_id: `${p.profileId}-o${i}:completed`,
        source: 'transaction',
        type: 'transaction',
        name: 'Order Completed',
        revenue: value,
        currency: 'USD',
        channel: 'online',
        properties: JSON.stringify({ revenue: value, currency: 'USD' }),
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
        profile_id: owner,
        first_seen_at: formatDateTime(new Date(first)),
        version: version + v + 1,
      });
    });
  };
  for (const p of people) {
    write(p, p.profileId, 0);
    const first = now - p.firstSeenDaysAgo * DAY;
    if (p.absorbed) {
      write(p.absorbed, p.profileId, 10);
      merges.push({
        absorbed_id: p.absorbed.profileId,
        survivor_id: p.profileId,
        merged_at: formatDateTime(new Date(now - p.absorbed.mergedDaysAgo * DAY)),
        event_id: `${p.absorbed.profileId}-login`,
        version: 1,
      });
    }
    const countries = [
      ...(p.previousCountry ? [{ value: p.previousCountry, at: first, id: `${p.profileId}-first` }] : []),
      ...(p.country
        ? [
            {
              value: p.country,
              at: p.previousCountry ? Math.round((first + now) / 2) : first,
              id: p.previousCountry ? `${p.profileId}-moved` : `${p.profileId}-first`,
            },
          ]
        : []),
    ];
    for (const c of countries) {
      traits.push({
        profile_id: p.profileId,
        trait: 'country',
        value: c.value,
        value_type: 'string',
        updated_at: formatDateTime(new Date(c.at)),
        updated_ms: 0,
        event_id: c.id,
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
  if (merges.length > 0) await ch.insert('profile_merges', merges);
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
