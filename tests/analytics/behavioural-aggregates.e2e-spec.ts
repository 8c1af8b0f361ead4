import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClickHouseClient,
  defaultMigrationsDir,
  identifier,
  inList,
  loadMigrations,
  migrate,
  splitStatements,
  sql,
} from '@cdp/clickhouse';
import type { DeadLetterRow } from '../../apps/ingest/src/pipeline/dead-letter';
import type { EventRow, TraitUpdateRow as TraitRow } from '../../apps/ingest/src/pipeline/event-rows';
import type { ProfileMergeRow as MergeRow } from '../../apps/ingest/src/pipeline/identity-rows';
import { CLICKHOUSE_URL, uniqueSuffix } from '../support/test-env';

/**
 * Migration 0003 (behavioural aggregates and the views that resolve merged profiles) and
 * the analyst queries of docs/queries, on a small hand-written dataset whose answers were
 * worked out by hand (see the comments next to each expectation).
 *
 * The people, as of 2026-12-01 (p-08 and p-09 were merged into p-07):
 * | person | first touch                               | completed orders (CNY unless noted)       | stage    |
 * |--------|-------------------------------------------|-------------------------------------------|----------|
 * | p-01   | page view from www.google.com (organic)   | 07-10 259, 10-05 120, 11-20 300           | loyal    |
 * | p-02   | google_ads impression (paid)              | 11-02 499, 11-02 99 (second batch)        | active   |
 * | p-03   | weibo follow (social)                     | none                                      | prospect |
 * | p-04   | page view, utm_medium email               | 10-01 80, 11-15 150                       | active   |
 * | p-05   | page view, no referrer (direct)           | 06-15 200, 07-20 100                      | churned  |
 * | p-06   | page view from blog.example.org (referral)| none                                      | prospect |
 * | p-07   | p-08's page view from m.facebook.com      | p-08 11-10 350, p-07 11-12 150            | active   |
 * | p-10   | meta_ads impression (paid)                | 11-04 180, refunded 11-08                 | new      |
 * | p-11   | store order (direct)                      | 11-28 45 USD                              | new      |
 */

const ROOT = join(__dirname, '..', '..');
const QUERIES_DIR = join(ROOT, 'docs', 'queries');
const SCHEMA_DOC = join(ROOT, 'docs', 'schema.md');

function client(database: string): ClickHouseClient {
  return new ClickHouseClient({
    url: CLICKHOUSE_URL,
    database,
    username: 'default',
    password: '',
    requestTimeoutMs: 30000,
    applicationName: 'cdp-e2e-analytics',
  });
}

// ---------------------------------------------------------------------------------------
// Row builders, typed with the rows ingest writes (the columns of 0002 and 0001).

let offset = 0;

function baseEvent(
  source: 'web' | 'social' | 'ad' | 'transaction',
  id: string,
  profile: string,
  name: string,
  at: string,
): EventRow {
  offset += 1;
  return {
    event_id: id,
    profile_id: profile,
    source,
    type: source === 'web' ? (name === 'Page Viewed' ? 'page' : 'track') : source,
    name,
    occurred_at: at,
    occurred_ms: 0,
    received_at: at,
    ingested_at: at,
    revenue: 0,
    currency: '',
    user_id: '',
    anonymous_id: '',
    email: '',
    identifiers: [],
    category: '',
    categories: [],
    topics: [],
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_term: '',
    utm_content: '',
    referrer: '',
    page_url: '',
    page_path: '',
    channel: '',
    campaign_name: '',
    ip: '',
    user_agent: '',
    locale: '',
    properties: '{}',
    traits: '{}',
    kafka_topic: `cdp.raw.${source}`,
    kafka_partition: 0,
    kafka_offset: offset,
  };
}

interface WebOptions {
  category?: string;
  referrer?: string;
  utmSource?: string;
  utmMedium?: string;
}

function web(id: string, profile: string, name: string, at: string, o: WebOptions = {}): EventRow {
  const e = baseEvent('web', id, profile, name, at);
  e.anonymous_id = `a-${profile}`;
  e.identifiers = [`anonymousId:a-${profile}`];
  e.category = o.category ?? '';
  e.referrer = o.referrer ?? '';
  e.utm_source = o.utmSource ?? '';
  e.utm_medium = o.utmMedium ?? '';
  e.page_url = 'https://shop.example.com/';
  e.page_path = '/';
  e.properties = JSON.stringify({ category: e.category, referrer: e.referrer });
  return e;
}

function social(id: string, profile: string, action: string, platform: string, at: string): EventRow {
  const e = baseEvent('social', `${platform}:${id}`, profile, `Social ${action}`, at);
  e.channel = platform;
  e.identifiers = [`social:${platform}:${profile}`];
  e.properties = JSON.stringify({ action: action.toLowerCase(), platform });
  return e;
}

function ad(
  id: string,
  profile: string,
  type: 'Impression' | 'Click',
  network: string,
  at: string,
): EventRow {
  const e = baseEvent('ad', `${network}:${id}`, profile, `Ad ${type}`, at);
  e.channel = network;
  e.campaign_name = 'winter-sale';
  e.identifiers = [`anonymousId:a-${profile}`];
  e.properties = JSON.stringify({ network, type: type.toLowerCase(), campaignName: 'winter-sale' });
  return e;
}

interface Item {
  sku: string;
  category: string;
  quantity: number;
  price: number;
}

function order(
  orderId: string,
  status: 'completed' | 'refunded',
  profile: string,
  at: string,
  total: number,
  currency: string,
  channel: string,
  items: Item[],
): EventRow {
  const name = status === 'completed' ? 'Order Completed' : 'Order Refunded';
  const e = baseEvent('transaction', `${orderId}:${status}`, profile, name, at);
  const categories = [...new Set(items.map((i) => i.category))];
  e.revenue = total;
  e.currency = currency;
  e.channel = channel;
  e.categories = categories;
  e.user_id = `u-${profile}`;
  e.identifiers = [`userId:u-${profile}`];
  // what the transaction normalizer keeps, serialized like JSON.stringify does (no spaces)
  e.properties = JSON.stringify({
    orderId,
    status,
    revenue: total,
    currency,
    items,
    categories,
    quantity: items.reduce((n, i) => n + i.quantity, 0),
    coupon: null,
    channel,
  });
  return e;
}

function trait(profile: string, name: string, value: string, at: string, ms: number): TraitRow {
  return {
    profile_id: profile,
    trait: name,
    value,
    value_type: 'string',
    updated_at: at,
    updated_ms: ms,
    event_id: `t-${profile}-${at}`,
    source: 'web',
  };
}

function merge(absorbed: string, survivor: string, at: string, version: number): MergeRow {
  return {
    absorbed_id: absorbed,
    survivor_id: survivor,
    merged_at: at,
    event_id: `m-${absorbed}`,
    version: String(version),
  };
}

function deadLetter(
  topic: string,
  partition: number,
  off: number,
  at: string,
  codes: string[],
): DeadLetterRow {
  return {
    source_topic: topic,
    source_partition: partition,
    source_offset: off,
    received_at: at,
    reasons: JSON.stringify(codes.map((c) => ({ path: '', message: c }))),
    reason_codes: codes,
    payload_base64: Buffer.from('{"broken"').toString('base64'),
  };
}

const sk = (sku: string, quantity: number, price: number): Item => ({
  sku,
  category: 'skincare',
  quantity,
  price,
});
const mk = (sku: string, quantity: number, price: number): Item => ({
  sku,
  category: 'makeup',
  quantity,
  price,
});
const hc = (sku: string, quantity: number, price: number): Item => ({
  sku,
  category: 'haircare',
  quantity,
  price,
});
const sh = (sku: string, quantity: number, price: number): Item => ({
  sku,
  category: 'shoes',
  quantity,
  price,
});
const ac = (sku: string, quantity: number, price: number): Item => ({
  sku,
  category: 'accessories',
  quantity,
  price,
});

const GOOGLE = 'https://www.google.com/';

const eventsBatch1: EventRow[] = [
  // p-01: found us on Google in July, three orders within 180 days, the last on 11-20: loyal
  web('w-0101', 'p-01', 'Page Viewed', '2026-07-10 09:00:00', { referrer: GOOGLE, category: 'skincare' }),
  order('o-1001', 'completed', 'p-01', '2026-07-10 09:30:00', 259, 'CNY', 'online', [sk('sk-1', 1, 259)]),
  order('o-1002', 'completed', 'p-01', '2026-10-05 12:00:00', 120, 'CNY', 'app', [mk('mk-1', 2, 60)]),
  social('wb-0101', 'p-01', 'Like', 'weibo', '2026-11-18 08:00:00'),
  social('wb-0102', 'p-01', 'Comment', 'weibo', '2026-11-19 08:00:00'),
  order('o-1003', 'completed', 'p-01', '2026-11-20 10:00:00', 300, 'CNY', 'online', [
    sk('sk-2', 1, 200),
    mk('mk-2', 1, 100),
  ]),
  web('w-0102', 'p-01', 'Page Viewed', '2026-11-25 09:00:00', { category: 'skincare' }),
  web('w-0103', 'p-01', 'Page Viewed', '2026-11-26 09:00:00', { category: 'skincare' }),
  web('w-0104', 'p-01', 'Page Viewed', '2026-11-27 09:00:00', { category: 'skincare' }),
  web('w-0105', 'p-01', 'Product Added', '2026-11-27 09:05:00', { category: 'skincare' }),
  // p-02: an ad impression and click, then a cpc visit, cart and order ten minutes later
  ad('g-201', 'p-02', 'Impression', 'google_ads', '2026-11-02 07:59:00'),
  ad('g-202', 'p-02', 'Click', 'google_ads', '2026-11-02 08:00:00'),
  web('w-0201', 'p-02', 'Page Viewed', '2026-11-02 08:00:30', {
    referrer: GOOGLE,
    utmSource: 'google',
    utmMedium: 'cpc',
    category: 'shoes',
  }),
  web('w-0202', 'p-02', 'Product Added', '2026-11-02 08:05:00', { category: 'shoes' }),
  order('o-2001', 'completed', 'p-02', '2026-11-02 08:10:00', 499, 'CNY', 'online', [sh('sh-1', 1, 499)]),
  // p-03: a weibo fan who never bought
  social('wb-0301', 'p-03', 'Follow', 'weibo', '2026-11-05 10:00:00'),
  social('wb-0302', 'p-03', 'Like', 'weibo', '2026-11-06 10:00:00'),
  social('wb-0303', 'p-03', 'Share', 'weibo', '2026-11-07 10:00:00'),
  web('w-0301', 'p-03', 'Page Viewed', '2026-11-07 10:05:00', {
    referrer: 'https://weibo.com/',
    category: 'skincare',
  }),
  web('w-0302', 'p-03', 'Product Added', '2026-11-07 10:10:00', { category: 'skincare' }),
  social('wb-0304', 'p-03', 'Like', 'weibo', '2026-11-20 12:00:00'),
  web('w-0303', 'p-03', 'Page Viewed', '2026-11-25 20:00:00', { category: 'skincare' }),
  // p-04: newsletter reader, two orders, clicked a meta ad the day before the second
  web('w-0401', 'p-04', 'Page Viewed', '2026-10-01 09:00:00', {
    utmSource: 'newsletter',
    utmMedium: 'email',
    category: 'makeup',
  }),
  order('o-4001', 'completed', 'p-04', '2026-10-01 09:20:00', 80, 'CNY', 'online', [mk('mk-3', 1, 80)]),
  ad('m-401', 'p-04', 'Click', 'meta_ads', '2026-11-14 12:00:00'),
  order('o-4002', 'completed', 'p-04', '2026-11-15 14:00:00', 150, 'CNY', 'store', [hc('hc-1', 3, 50)]),
  // p-05: typed the address in June, two orders, nothing since July: churned
  web('w-0501', 'p-05', 'Page Viewed', '2026-06-10 09:00:00', { category: 'haircare' }),
  order('o-5001', 'completed', 'p-05', '2026-06-15 10:00:00', 200, 'CNY', 'online', [hc('hc-2', 2, 100)]),
  order('o-5002', 'completed', 'p-05', '2026-07-20 10:00:00', 100, 'CNY', 'phone', [hc('hc-3', 1, 100)]),
  // p-06: came from a blog, clicked an ad, mentioned us, never bought
  web('w-0601', 'p-06', 'Page Viewed', '2026-11-21 15:00:00', {
    referrer: 'https://blog.example.org/best-serums',
    category: 'skincare',
  }),
  web('w-0602', 'p-06', 'Page Viewed', '2026-11-21 15:02:00', { category: 'skincare' }),
  ad('g-601', 'p-06', 'Click', 'google_ads', '2026-11-22 09:00:00'),
  social('x-601', 'p-06', 'Mention', 'xiaohongshu', '2026-11-23 11:00:00'),
  // p-08 (anonymous, later merged into p-07): from facebook, bought in the app
  web('w-0801', 'p-08', 'Page Viewed', '2026-11-10 20:00:00', {
    referrer: 'https://m.facebook.com/',
    category: 'shoes',
  }),
  web('w-0802', 'p-08', 'Product Added', '2026-11-10 20:05:00', { category: 'shoes' }),
  order('o-8001', 'completed', 'p-08', '2026-11-10 20:10:00', 350, 'CNY', 'app', [sh('sh-2', 1, 350)]),
  web('w-0803', 'p-08', 'Page Viewed', '2026-11-25 21:30:00', { category: 'shoes' }),
  // p-07: the known customer p-08 and p-09 turned out to be
  order('o-7001', 'completed', 'p-07', '2026-11-12 11:00:00', 150, 'CNY', 'store', [ac('ac-2', 3, 50)]),
  social('wb-0701', 'p-07', 'Like', 'weibo', '2026-11-13 12:00:00'),
  web('w-0702', 'p-07', 'Page Viewed', '2026-11-25 21:00:00', { category: 'shoes' }),
  // p-09: another device of the same person
  web('w-0901', 'p-09', 'Page Viewed', '2026-11-15 16:00:00', { category: 'accessories' }),
  // p-10: meta ad impression, paid social visit, order, refund
  ad('m-1001', 'p-10', 'Impression', 'meta_ads', '2026-11-03 12:00:00'),
  web('w-1001', 'p-10', 'Page Viewed', '2026-11-03 12:30:00', {
    referrer: 'https://l.instagram.com/',
    utmSource: 'instagram',
    utmMedium: 'paid_social',
    category: 'makeup',
  }),
  order('o-10001', 'completed', 'p-10', '2026-11-04 09:00:00', 180, 'CNY', 'online', [mk('mk-4', 2, 90)]),
  order('o-10001', 'refunded', 'p-10', '2026-11-08 09:00:00', 180, 'CNY', 'online', [mk('mk-4', 2, 90)]),
  // p-11: a walk-in customer paying in USD
  order('o-11001', 'completed', 'p-11', '2026-11-28 16:00:00', 45, 'USD', 'store', [ac('ac-3', 1, 45)]),
];

// The second insert lands in days that already have rows (aggregate states must merge).
const eventsBatch2: EventRow[] = [
  web('w-0106', 'p-01', 'Page Viewed', '2026-11-27 18:00:00', { category: 'skincare' }),
  order('o-2002', 'completed', 'p-02', '2026-11-02 19:00:00', 99, 'CNY', 'online', [ac('ac-1', 1, 99)]),
];

const traitsBatch1: TraitRow[] = [
  trait('p-01', 'country', 'CN', '2026-07-10 09:30:00', 900),
  trait('p-01', 'email', 'lin@example.com', '2026-07-10 09:30:00', 900),
  trait('p-02', 'country', 'SG', '2026-11-02 08:10:00', 0),
  trait('p-03', 'country', 'CN', '2026-11-05 10:00:00', 0),
  trait('p-04', 'country', 'SG', '2026-10-01 09:20:00', 0),
  trait('p-06', 'country', 'CN', '2026-11-21 15:00:00', 0),
  trait('p-08', 'country', 'SG', '2026-11-10 20:10:00', 0),
  trait('p-07', 'country', 'CN', '2026-11-12 11:00:00', 0),
  trait('p-10', 'country', 'SG', '2026-11-04 09:00:00', 0),
  trait('p-11', 'country', 'US', '2026-11-28 16:00:00', 0),
];

// older than what p-01 already has (same second, earlier millisecond): must not win
const traitsBatch2: TraitRow[] = [trait('p-01', 'country', 'SG', '2026-07-10 09:30:00', 100)];

// p-09 was first merged into p-08; when p-08 joined p-07, ingest re-pointed both (version 2)
const mergesBatch1: MergeRow[] = [merge('p-09', 'p-08', '2026-11-15 16:00:00', 1)];
const mergesBatch2: MergeRow[] = [
  merge('p-08', 'p-07', '2026-11-26 10:00:00', 2),
  merge('p-09', 'p-07', '2026-11-26 10:00:00', 2),
];

const deadLetters: DeadLetterRow[] = [
  deadLetter('cdp.raw.web', 0, 10, '2026-11-20 10:00:00', ['validation_failed']),
  deadLetter('cdp.raw.web', 0, 10, '2026-11-20 10:05:00', ['validation_failed']), // redelivered
  deadLetter('cdp.raw.social', 1, 3, '2026-11-21 08:00:00', ['missing_identifier']),
  deadLetter('cdp.raw.ad', 0, 7, '2026-11-22 09:00:00', ['missing_identifier']),
  deadLetter('cdp.raw.transaction', 2, 5, '2026-11-23 12:00:00', ['not_an_object']),
  deadLetter('cdp.raw.web', 1, 11, '2026-11-24 13:00:00', ['validation_failed', 'missing_identifier']),
];

type Batch =
  | { table: 'events'; rows: EventRow[] }
  | { table: 'trait_updates'; rows: TraitRow[] }
  | { table: 'profile_merges'; rows: MergeRow[] }
  | { table: 'dead_letters'; rows: DeadLetterRow[] };

const FIRST: Batch[] = [
  { table: 'events', rows: eventsBatch1 },
  { table: 'trait_updates', rows: traitsBatch1 },
  { table: 'profile_merges', rows: mergesBatch1 },
  { table: 'dead_letters', rows: deadLetters },
];
const SECOND: Batch[] = [
  { table: 'events', rows: eventsBatch2 },
  { table: 'trait_updates', rows: traitsBatch2 },
  { table: 'profile_merges', rows: mergesBatch2 },
];

// ---------------------------------------------------------------------------------------
// Reading results: JSONEachRow gives 64-bit integers as strings on 18.16 and as numbers on
// current versions; numbers are compared as numbers.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Row = Record<string, Json>;

function normalize(value: Json): Json {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

function docsQueries(): { file: string; text: string }[] {
  return readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(QUERIES_DIR, file), 'utf8') }));
}

function forDatabase(text: string, database: string): string {
  return text.replace(/\{db\}/g, identifier(database).text).replace(/;\s*$/, '');
}

/** The ```sql blocks of docs/schema.md (the one-off backfill and the read patterns). */
function schemaDocStatements(database: string): string[] {
  const doc = readFileSync(SCHEMA_DOC, 'utf8');
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => splitStatements(forDatabase(b, database)));
}

/** Aggregate table read with -Merge vs the same numbers from the raw tables. */
function consistencyChecks(db: string): { label: string; aggregate: string; raw: string }[] {
  return [
    {
      label: 'profile_event_daily',
      aggregate: `SELECT profile_id, name, source, currency, day, countMerge(event_count) AS n,
          sumMerge(revenue_sum) AS revenue, minMerge(first_at) AS first_seen, maxMerge(last_at) AS last_seen
        FROM ${db}.profile_event_daily GROUP BY profile_id, name, source, currency, day
        ORDER BY profile_id, name, source, currency, day`,
      raw: `SELECT profile_id, name, source, currency, toDate(occurred_at, 'UTC') AS day, count() AS n,
          sum(revenue) AS revenue, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen
        FROM ${db}.events FINAL GROUP BY profile_id, name, source, currency, day
        ORDER BY profile_id, name, source, currency, day`,
    },
    {
      label: 'profile_channel_daily',
      aggregate: `SELECT profile_id, source, channel, utm_source, utm_medium, referrer_host, day,
          countMerge(event_count) AS n, minMerge(first_at) AS first_seen, maxMerge(last_at) AS last_seen
        FROM ${db}.profile_channel_daily
        GROUP BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day
        ORDER BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day`,
      raw: `SELECT profile_id, source, channel, utm_source, utm_medium, domain(referrer) AS referrer_host,
          toDate(occurred_at, 'UTC') AS day, count() AS n, min(occurred_at) AS first_seen,
          max(occurred_at) AS last_seen
        FROM ${db}.events FINAL
        GROUP BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day
        ORDER BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day`,
    },
    {
      label: 'profile_category_daily',
      aggregate: `SELECT profile_id, name, category AS cat, day, countMerge(event_count) AS n
        FROM ${db}.profile_category_daily GROUP BY profile_id, name, cat, day
        ORDER BY profile_id, name, cat, day`,
      raw: `SELECT profile_id, name, cat, day, count() AS n FROM (
          SELECT profile_id, name, toDate(occurred_at, 'UTC') AS day,
            arrayJoin(arrayFilter(c -> c != '', if(empty(categories), [category], categories))) AS cat
          FROM ${db}.events FINAL)
        GROUP BY profile_id, name, cat, day ORDER BY profile_id, name, cat, day`,
    },
    {
      label: 'profile_traits_latest',
      aggregate: `SELECT profile_id, trait, argMaxMerge(latest_value) AS v, argMaxMerge(latest_value_type) AS t,
          maxMerge(last_updated_at) AS u
        FROM ${db}.profile_traits_latest GROUP BY profile_id, trait ORDER BY profile_id, trait`,
      raw: `SELECT profile_id, trait, argMax(value, toUInt64(updated_at) * 1000 + updated_ms) AS v,
          argMax(value_type, toUInt64(updated_at) * 1000 + updated_ms) AS t, max(updated_at) AS u
        FROM ${db}.trait_updates GROUP BY profile_id, trait ORDER BY profile_id, trait`,
    },
    {
      label: 'profile_event_totals (resolved)',
      aggregate: `SELECT profile_id, name, source, currency, events AS n, revenue AS r, first_seen_at AS f,
          last_seen_at AS l
        FROM ${db}.profile_event_totals ORDER BY profile_id, name, source, currency`,
      raw: `SELECT profile_id, name, source, currency, count() AS n, sum(revenue) AS r,
          min(occurred_at) AS f, max(occurred_at) AS l
        FROM ${db}.events_resolved GROUP BY profile_id, name, source, currency
        ORDER BY profile_id, name, source, currency`,
    },
  ];
}

// ---------------------------------------------------------------------------------------
// The answer of every docs/queries file on this dataset, worked out by hand.

const EXPECTED: Record<string, Row[]> = {
  // First touches: p-05 (typed in) and p-11 (store) direct; p-02 and p-10 an ad impression:
  // paid; p-03 a weibo follow and p-07 (through p-08's facebook referrer, 11-10 20:00,
  // earlier than anything p-07 or p-09 did) social; p-04 utm_medium email; p-01 google
  // referrer: organic_search; p-06 a blog: referral. Customers: all but p-03 and p-06.
  '01_customers_by_acquisition_channel.sql': [
    { acquisition_channel: 'direct', profiles: 2, customers: 2 },
    { acquisition_channel: 'paid', profiles: 2, customers: 2 },
    { acquisition_channel: 'social', profiles: 2, customers: 1 },
    { acquisition_channel: 'email', profiles: 1, customers: 1 },
    { acquisition_channel: 'organic_search', profiles: 1, customers: 1 },
    { acquisition_channel: 'referral', profiles: 1, customers: 0 },
  ],
  // Buyers p-01 (3), p-02 (2), p-04 (2), p-05 (2), p-07 (p-08's + its own: 2), p-10 (1),
  // p-11 (1): 5 of 7 bought again; 5/7 = 0.714285...
  '02_repeat_purchase_rate.sql': [{ buyers: 7, repeat_buyers: 5, repeat_purchase_rate: 0.7143 }],
  // As of 12-01: churn line 09-02, 180-day line 06-04. p-03, p-06 prospects; p-10 (180 CNY)
  // and p-11 (45 USD) new; p-02 598 + p-04 230 + p-07 500 = 1328 active; p-01 679 loyal
  // (orders 07-10, 10-05, 11-20); p-05 300 churned (last order 07-20).
  '03_revenue_by_lifecycle_stage.sql': [
    { stage: 'prospect', currency: '', profiles: 2, revenue: 0 },
    { stage: 'new', currency: 'CNY', profiles: 1, revenue: 180 },
    { stage: 'new', currency: 'USD', profiles: 1, revenue: 45 },
    { stage: 'active', currency: 'CNY', profiles: 3, revenue: 1328 },
    { stage: 'loyal', currency: 'CNY', profiles: 1, revenue: 679 },
    { stage: 'churned', currency: 'CNY', profiles: 1, revenue: 300 },
  ],
  // Buyers: p-01 (like, comment) and p-07 (like) engaged: 2 of 7, 3 interactions (3/7 =
  // 0.428571...). Non-buyers: p-03 (follow, like, share, like) and p-06 (mention): 2 of 2, 5.
  '04_social_engagement_buyers_vs_non_buyers.sql': [
    {
      segment: 'buyers',
      profiles: 7,
      engaged_profiles: 2,
      social_interactions: 3,
      engagement_rate: 0.2857,
      interactions_per_profile: 0.4286,
    },
    {
      segment: 'non_buyers',
      profiles: 2,
      engaged_profiles: 2,
      social_interactions: 5,
      engagement_rate: 1,
      interactions_per_profile: 2.5,
    },
  ],
  // Items of completed orders: shoes 499 + 350; makeup 2x60 + 100 + 80 + 2x90 (o-1002,
  // o-1003, o-4001, o-10001); skincare 259 + 200; haircare 3x50 + 2x100 + 100; accessories
  // 99 + 3x50 in CNY and 45 in USD. The refund of o-10001 is not subtracted (gross).
  '05_top_categories_by_revenue.sql': [
    { category: 'shoes', currency: 'CNY', orders: 2, units: 2, revenue: 849 },
    { category: 'makeup', currency: 'CNY', orders: 4, units: 6, revenue: 480 },
    { category: 'skincare', currency: 'CNY', orders: 2, units: 2, revenue: 459 },
    { category: 'haircare', currency: 'CNY', orders: 3, units: 6, revenue: 450 },
    { category: 'accessories', currency: 'CNY', orders: 2, units: 4, revenue: 249 },
    { category: 'accessories', currency: 'USD', orders: 1, units: 1, revenue: 45 },
  ],
  // 11-20 p-03's like and p-01's order; 11-21..23 p-06 on web, ad, social; 11-25 p-01,
  // p-03 and p-07 (under p-07 and p-08: one person) on web; 11-26, 11-27 p-01; 11-24 nobody.
  '06_daily_active_profiles_per_source.sql': [
    { day: '2026-11-20', source: 'social', active_profiles: 1 },
    { day: '2026-11-20', source: 'transaction', active_profiles: 1 },
    { day: '2026-11-21', source: 'web', active_profiles: 1 },
    { day: '2026-11-22', source: 'ad', active_profiles: 1 },
    { day: '2026-11-23', source: 'social', active_profiles: 1 },
    { day: '2026-11-25', source: 'web', active_profiles: 3 },
    { day: '2026-11-26', source: 'web', active_profiles: 1 },
    { day: '2026-11-27', source: 'web', active_profiles: 1 },
  ],
  // CNY: 12 completed orders (3+2+2+2+1+1+1) worth 2487, one refund of 180: 1/12 = 0.0833,
  // 180/2487 = 0.07237...; USD: one order of 45, no refund.
  '07_refund_rate.sql': [
    {
      currency: 'CNY',
      completed_orders: 12,
      refunded_orders: 1,
      refund_rate: 0.0833,
      completed_revenue: 2487,
      refunded_revenue: 180,
      revenue_refund_rate: 0.0724,
    },
    {
      currency: 'USD',
      completed_orders: 1,
      refunded_orders: 0,
      refund_rate: 0,
      completed_revenue: 45,
      refunded_revenue: 0,
      revenue_refund_rate: 0,
    },
  ],
  // app: o-1002 120 + o-8001 350; online: 259 + 300 + 499 + 99 + 80 + 200 + 180 = 1617 over
  // 7; phone: o-5002 100; store: o-4002 150 + o-7001 150; USD store: 45.
  '08_average_order_value_by_channel.sql': [
    { order_channel: 'app', currency: 'CNY', orders: 2, order_revenue: 470, average_order_value: 235 },
    { order_channel: 'online', currency: 'CNY', orders: 7, order_revenue: 1617, average_order_value: 231 },
    { order_channel: 'phone', currency: 'CNY', orders: 1, order_revenue: 100, average_order_value: 100 },
    { order_channel: 'store', currency: 'CNY', orders: 2, order_revenue: 300, average_order_value: 150 },
    { order_channel: 'store', currency: 'USD', orders: 1, order_revenue: 45, average_order_value: 45 },
  ],
  // Viewed: everyone but p-11 (8). Then added: p-01 (11-25 view, 11-27 add), p-02, p-03,
  // p-07 (p-08's view and add). Then ordered: p-02 and p-07 (p-08's order 5 minutes later);
  // p-01's orders all came before its add, p-03 never ordered.
  '09_funnel_page_view_product_added_order.sql': [
    {
      page_viewed: 8,
      product_added: 4,
      order_completed: 2,
      view_to_add_rate: 0.5,
      add_to_order_rate: 0.5,
      view_to_order_rate: 0.25,
    },
  ],
  // google_ads clicks: p-02 ordered 10 minutes later, p-06 never; meta_ads: p-04 ordered
  // the next day (its earlier order of 10-01 does not count).
  '10_ad_click_to_order_conversion.sql': [
    { network: 'google_ads', clickers: 2, converters: 1, conversion_rate: 0.5 },
    { network: 'meta_ads', clickers: 1, converters: 1, conversion_rate: 1 },
  ],
  // p-01 stays CN (the SG update is older by 800 ms); p-07's CN (11-12) beats p-08's SG
  // (11-10) and the merged person counts once; p-05 has no country.
  '11_profiles_per_country.sql': [
    { country: 'CN', profiles: 4 },
    { country: 'SG', profiles: 3 },
    { country: 'US', profiles: 1 },
  ],
  // web 0/10 was delivered twice (counted once); web 1/11 has two reasons.
  '12_dead_letters_per_reason.sql': [
    {
      reason: 'missing_identifier',
      messages: 3,
      source_topics: ['cdp.raw.ad', 'cdp.raw.social', 'cdp.raw.web'],
    },
    { reason: 'validation_failed', messages: 2, source_topics: ['cdp.raw.web'] },
    { reason: 'not_an_object', messages: 1, source_topics: ['cdp.raw.transaction'] },
  ],
  // p-01: 3 orders since 06-04, last seen 11-27 18:00 (second batch), skincare viewed
  // 11-25, 11-26, 11-27 twice. p-03: one skincare view since 11-17. p-07: orders of p-08 and
  // p-07, last seen through p-08 (11-25 21:30), shoes viewed by p-07 and p-08 on 11-25
  // (p-09's 11-15 view is outside 14 days), CN is newer than p-08's SG.
  '13_segment_snapshot_batch.sql': [
    {
      profile_id: 'p-01',
      orders_180d: 3,
      last_seen_at: '2026-11-27 18:00:00',
      top_category_14d: 'skincare',
      top_category_views_14d: 4,
      country: 'CN',
    },
    {
      profile_id: 'p-03',
      orders_180d: 0,
      last_seen_at: '2026-11-25 20:00:00',
      top_category_14d: 'skincare',
      top_category_views_14d: 1,
      country: 'CN',
    },
    {
      profile_id: 'p-07',
      orders_180d: 2,
      last_seen_at: '2026-11-25 21:30:00',
      top_category_14d: 'shoes',
      top_category_views_14d: 2,
      country: 'CN',
    },
  ],
};

const AGGREGATE_TABLES = [
  'profile_event_daily',
  'profile_channel_daily',
  'profile_category_daily',
  'profile_traits_latest',
];

// CHDB_PYTHON picks the Python whose chdb (hence ClickHouse version) the comparison uses.
const PYTHON = process.env.CHDB_PYTHON ?? 'python3';
const chdbAvailable = spawnSync(PYTHON, ['-c', 'import chdb'], { encoding: 'utf8' }).status === 0;

describe('behavioural aggregates (migration 0003) and the analyst queries, on ClickHouse', () => {
  const db = `cdp_test_${uniqueSuffix()}`;
  const backfillDb = `cdp_test_${uniqueSuffix()}`;
  const ch = client(db);
  const answers = new Map<string, Row[]>();

  async function rows(statement: string): Promise<Row[]> {
    return (await ch.query<Row>(statement)).map((r) => normalize(r) as Row);
  }

  async function insertBatches(database: string, batches: readonly Batch[]): Promise<void> {
    for (const b of batches) await ch.insert<object>(`${database}.${b.table}`, b.rows);
  }

  async function expectAggregatesEqualRaw(database: string): Promise<void> {
    for (const check of consistencyChecks(database)) {
      const aggregate = await rows(check.aggregate);
      expect(aggregate.length).toBeGreaterThan(0);
      expect({ [check.label]: aggregate }).toEqual({ [check.label]: await rows(check.raw) });
    }
  }

  beforeAll(async () => {
    await migrate(ch.server(), db, loadMigrations(defaultMigrationsDir(), db));
  });

  afterAll(async () => {
    await ch.server().command(sql`DROP DATABASE IF EXISTS ${identifier(db)}`);
    await ch.server().command(sql`DROP DATABASE IF EXISTS ${identifier(backfillDb)}`);
    await ch.close();
  });

  it('creates the aggregate tables, their materialized views and the resolving views', async () => {
    const tables = await rows(
      `SELECT name, engine FROM system.tables WHERE database = '${db}' ORDER BY name`,
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        ...AGGREGATE_TABLES.map((name) => ({ name, engine: 'AggregatingMergeTree' })),
        ...AGGREGATE_TABLES.map((name) => ({ name: `${name}_mv`, engine: 'MaterializedView' })),
        ...[
          'profile_survivors',
          'events_resolved',
          'profile_event_daily_resolved',
          'profile_channel_daily_resolved',
          'profile_category_daily_resolved',
          'profile_event_totals',
          'profile_traits_current',
        ].map((name) => ({ name, engine: 'View' })),
      ]),
    );
    const keys = await ch.query<{ name: string; sorting_key: string }>(
      `SELECT name, sorting_key FROM system.tables WHERE database = '${db}' AND engine = 'AggregatingMergeTree' ORDER BY name`,
    );
    expect(keys.map((k) => k.name)).toEqual([...AGGREGATE_TABLES].sort());
    for (const k of keys) expect(k.sorting_key).toMatch(/^profile_id, /);
  });

  it('keeps every aggregate equal to the raw tables, also after a second insert into the same days', async () => {
    await insertBatches(db, FIRST);
    await expectAggregatesEqualRaw(db);

    const p02Orders = `SELECT countMerge(event_count) AS n, sumMerge(revenue_sum) AS revenue,
        minMerge(first_at) AS first_at, maxMerge(last_at) AS last_at
      FROM ${db}.profile_event_daily
      WHERE profile_id = 'p-02' AND name = 'Order Completed' AND day = toDate('2026-11-02')`;
    const p01Views = `SELECT countMerge(event_count) AS n, minMerge(first_at) AS first_at, maxMerge(last_at) AS last_at
      FROM ${db}.profile_event_daily
      WHERE profile_id = 'p-01' AND name = 'Page Viewed' AND day = toDate('2026-11-27')`;
    const p01Skincare = `SELECT countMerge(event_count) AS n FROM ${db}.profile_category_daily
      WHERE profile_id = 'p-01' AND name = 'Page Viewed' AND category = 'skincare' AND day = toDate('2026-11-27')`;
    const o1003Categories = `SELECT category, countMerge(event_count) AS n FROM ${db}.profile_category_daily
      WHERE profile_id = 'p-01' AND name = 'Order Completed' AND day = toDate('2026-11-20')
      GROUP BY category ORDER BY category`;
    const p01Country = `SELECT argMaxMerge(latest_value) AS v, maxMerge(last_updated_at) AS u
      FROM ${db}.profile_traits_latest WHERE profile_id = 'p-01' AND trait = 'country'`;

    expect(await rows(p02Orders)).toEqual([
      { n: 1, revenue: 499, first_at: '2026-11-02 08:10:00', last_at: '2026-11-02 08:10:00' },
    ]);
    expect(await rows(p01Views)).toEqual([
      { n: 1, first_at: '2026-11-27 09:00:00', last_at: '2026-11-27 09:00:00' },
    ]);
    expect(await rows(p01Skincare)).toEqual([{ n: 1 }]);
    // an order counts once under each of its categories; the empty `category` is skipped
    expect(await rows(o1003Categories)).toEqual([
      { category: 'makeup', n: 1 },
      { category: 'skincare', n: 1 },
    ]);
    expect(await rows(p01Country)).toEqual([{ v: 'CN', u: '2026-07-10 09:30:00' }]);

    await insertBatches(db, SECOND);
    await expectAggregatesEqualRaw(db);
    expect(await rows(p02Orders)).toEqual([
      { n: 2, revenue: 598, first_at: '2026-11-02 08:10:00', last_at: '2026-11-02 19:00:00' },
    ]);
    expect(await rows(p01Views)).toEqual([
      { n: 2, first_at: '2026-11-27 09:00:00', last_at: '2026-11-27 18:00:00' },
    ]);
    expect(await rows(p01Skincare)).toEqual([{ n: 2 }]);
    // same second, earlier millisecond: the later-inserted SG loses to CN
    expect(await rows(p01Country)).toEqual([{ v: 'CN', u: '2026-07-10 09:30:00' }]);

    // whether background merges happened or not, the -Merge reads say the same
    for (const table of AGGREGATE_TABLES) await ch.command(`OPTIMIZE TABLE ${db}.${table} FINAL`);
    await expectAggregatesEqualRaw(db);
    expect(await rows(p02Orders)).toEqual([
      { n: 2, revenue: 598, first_at: '2026-11-02 08:10:00', last_at: '2026-11-02 19:00:00' },
    ]);
  });

  it('resolves merged profiles to the survivor in every view (latest merge version wins)', async () => {
    expect(await rows(`SELECT * FROM ${db}.profile_survivors ORDER BY absorbed_id`)).toEqual([
      { absorbed_id: 'p-08', survivor_id: 'p-07', merged_at: '2026-11-26 10:00:00' },
      { absorbed_id: 'p-09', survivor_id: 'p-07', merged_at: '2026-11-26 10:00:00' },
    ]);

    expect(
      await rows(
        `SELECT profile_id, original_profile_id, event_id FROM ${db}.events_resolved
         WHERE profile_id = 'p-07' ORDER BY occurred_at`,
      ),
    ).toEqual([
      { profile_id: 'p-07', original_profile_id: 'p-08', event_id: 'w-0801' },
      { profile_id: 'p-07', original_profile_id: 'p-08', event_id: 'w-0802' },
      { profile_id: 'p-07', original_profile_id: 'p-08', event_id: 'o-8001:completed' },
      { profile_id: 'p-07', original_profile_id: 'p-07', event_id: 'o-7001:completed' },
      { profile_id: 'p-07', original_profile_id: 'p-07', event_id: 'weibo:wb-0701' },
      { profile_id: 'p-07', original_profile_id: 'p-09', event_id: 'w-0901' },
      { profile_id: 'p-07', original_profile_id: 'p-07', event_id: 'w-0702' },
      { profile_id: 'p-07', original_profile_id: 'p-08', event_id: 'w-0803' },
    ]);
    expect(
      await rows(
        String(
          sql`SELECT count() AS n FROM ${identifier(db)}.events_resolved WHERE profile_id IN ${inList(['p-08', 'p-09'])}`,
        ),
      ),
    ).toEqual([{ n: 0 }]);

    // p-08's order and page views, p-07's order, like and view, p-09's view: one person
    expect(
      await rows(`SELECT * FROM ${db}.profile_event_totals WHERE profile_id = 'p-07' ORDER BY name, source`),
    ).toEqual([
      {
        profile_id: 'p-07',
        name: 'Order Completed',
        source: 'transaction',
        currency: 'CNY',
        events: 2,
        revenue: 500,
        first_seen_at: '2026-11-10 20:10:00',
        last_seen_at: '2026-11-12 11:00:00',
      },
      {
        profile_id: 'p-07',
        name: 'Page Viewed',
        source: 'web',
        currency: '',
        events: 4,
        revenue: 0,
        first_seen_at: '2026-11-10 20:00:00',
        last_seen_at: '2026-11-25 21:30:00',
      },
      {
        profile_id: 'p-07',
        name: 'Product Added',
        source: 'web',
        currency: '',
        events: 1,
        revenue: 0,
        first_seen_at: '2026-11-10 20:05:00',
        last_seen_at: '2026-11-10 20:05:00',
      },
      {
        profile_id: 'p-07',
        name: 'Social Like',
        source: 'social',
        currency: '',
        events: 1,
        revenue: 0,
        first_seen_at: '2026-11-13 12:00:00',
        last_seen_at: '2026-11-13 12:00:00',
      },
    ]);

    expect(
      await rows(
        `SELECT category, countMerge(event_count) AS n FROM ${db}.profile_category_daily_resolved
         WHERE profile_id = 'p-07' AND name = 'Page Viewed' GROUP BY category ORDER BY category`,
      ),
    ).toEqual([
      { category: 'accessories', n: 1 },
      { category: 'shoes', n: 3 },
    ]);
    expect(
      await rows(
        `SELECT profile_id, trait, value, value_type, updated_at FROM ${db}.profile_traits_current
         WHERE profile_id IN ('p-07', 'p-08') ORDER BY profile_id, trait`,
      ),
    ).toEqual([
      {
        profile_id: 'p-07',
        trait: 'country',
        value: 'CN',
        value_type: 'string',
        updated_at: '2026-11-12 11:00:00',
      },
    ]);
    // first touch of the person is p-08's facebook visit
    expect(
      await rows(
        `SELECT source, referrer_host, minMerge(first_at) AS first_at FROM ${db}.profile_channel_daily_resolved
         WHERE profile_id = 'p-07' GROUP BY source, referrer_host ORDER BY first_at LIMIT 1`,
      ),
    ).toEqual([{ source: 'web', referrer_host: 'm.facebook.com', first_at: '2026-11-10 20:00:00' }]);
  });

  it.each(docsQueries().map((q) => [q.file, q.text]))(
    'docs/queries/%s gives its hand-computed answer',
    async (file, text) => {
      const answer = await rows(forDatabase(text, db));
      answers.set(file, answer);
      expect(EXPECTED[file]).toBeDefined();
      expect(answer).toEqual(EXPECTED[file]);
    },
  );

  (chdbAvailable ? it : it.skip)(
    'gives the same answers on current ClickHouse (scripts/chdb-check.py with this dataset)',
    () => {
      expect(answers.size).toBe(docsQueries().length);
      const dir = mkdtempSync(join(tmpdir(), 'chdb-check-'));
      try {
        const dataset = join(dir, 'dataset.json');
        const out = join(dir, 'answers.json');
        writeFileSync(dataset, JSON.stringify({ batches: [...FIRST, ...SECOND] }));
        const res = spawnSync(
          PYTHON,
          [join(ROOT, 'scripts', 'chdb-check.py'), '--dataset', dataset, '--out', out],
          {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: 120000,
          },
        );
        if (res.status !== 0) throw new Error(`chdb-check failed:\n${res.stdout}\n${res.stderr}`);
        const current = JSON.parse(readFileSync(out, 'utf8')) as {
          version: string;
          queries: Record<string, Json>;
        };
        expect(current.version).not.toMatch(/^18\./);
        for (const [file, answer] of answers) {
          expect({ [file]: normalize(current.queries[file]) }).toEqual({ [file]: answer });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('backfills a database that held events before 0003 (the procedure in docs/schema.md)', async () => {
    const all = loadMigrations(defaultMigrationsDir(), backfillDb);
    await migrate(
      ch.server(),
      backfillDb,
      all.filter((m) => m.version <= 2),
    );
    await insertBatches(backfillDb, [...FIRST, ...SECOND]);
    const applied = await migrate(ch.server(), backfillDb, all);
    expect(applied.applied.map((m) => m.version)).toContain(3);
    expect(await rows(`SELECT count() AS n FROM ${backfillDb}.profile_event_daily`)).toEqual([{ n: 0 }]);

    const statements = schemaDocStatements(backfillDb);
    expect(statements.filter((s) => /^INSERT INTO/.test(s))).toHaveLength(AGGREGATE_TABLES.length);
    for (const statement of statements) await ch.command(statement);

    await expectAggregatesEqualRaw(backfillDb);
    for (const { file, text } of docsQueries()) {
      expect({ [file]: await rows(forDatabase(text, backfillDb)) }).toEqual({ [file]: EXPECTED[file] });
    }
  });

  it('counts a redelivered event row in the aggregates but once in events_resolved (ingest dedups first)', async () => {
    const original = eventsBatch1.filter((e) => e.event_id === 'w-0601');
    expect(original).toHaveLength(1);
    await ch.insert(
      `${db}.events`,
      original.map((e) => ({ ...e, ingested_at: '2026-11-21 15:10:00' })),
    );
    expect(
      await rows(
        `SELECT count() AS n FROM ${db}.events_resolved WHERE profile_id = 'p-06' AND name = 'Page Viewed'`,
      ),
    ).toEqual([{ n: 2 }]);
    expect(
      await rows(
        `SELECT countMerge(event_count) AS n FROM ${db}.profile_event_daily
         WHERE profile_id = 'p-06' AND name = 'Page Viewed'`,
      ),
    ).toEqual([{ n: 3 }]);
  });
});
