import {
  ClickHouseClient,
  defaultMigrationsDir,
  identifier,
  loadMigrations,
  migrate,
  sql,
} from '@cdp/clickhouse';

/**
 * One million profiles' data in a bench database, generated server-side with
 * INSERT ... SELECT FROM numbers() (the materialized views fill the aggregates on the
 * way): per profile 6 events over the year before `now` (page and product views, carts,
 * orders with revenue, refunds, social likes with topics, ad clicks; a favourite
 * category; a first touch with utm / referrer), 3 identify traits (country, gender, age)
 * and, for 1 % of the profiles, a merge into their neighbour. Deterministic (hashes of
 * the row number), so a loaded database is reused by later runs.
 */

export const PROFILES = 1_000_000;
export const EVENTS_PER_PROFILE = 6;
export const TRAITS_PER_PROFILE = 3;
const CHUNK = 100_000;

export interface BenchCounts {
  events: number;
  traits: number;
  merges: number;
  dailyRows: number;
}

export async function counts(ch: ClickHouseClient, database: string): Promise<BenchCounts | undefined> {
  const exists = await ch
    .server()
    .query<{ n: number | string }>(
      sql`SELECT count() AS n FROM system.tables WHERE database = ${database} AND name = 'profile_event_daily'`,
    );
  if (Number(exists[0]?.n ?? 0) === 0) return undefined;
  const db = identifier(database);
  const [row] = await ch.query<Record<keyof BenchCounts, number | string>>(
    sql`SELECT
      (SELECT count() FROM ${db}.events) AS events,
      (SELECT count() FROM ${db}.trait_updates) AS traits,
      (SELECT count() FROM ${db}.profile_merges) AS merges,
      (SELECT count() FROM ${db}.profile_event_daily) AS dailyRows`,
  );
  return {
    events: Number(row.events),
    traits: Number(row.traits),
    merges: Number(row.merges),
    dailyRows: Number(row.dailyRows),
  };
}

export function isLoaded(c: BenchCounts | undefined): boolean {
  return (
    c !== undefined &&
    c.events === PROFILES * EVENTS_PER_PROFILE &&
    c.traits === PROFILES * TRAITS_PER_PROFILE &&
    c.merges === PROFILES / 100 &&
    c.dailyRows > 0
  );
}

/** Drops and recreates the database, then loads it, printing a line per chunk. */
export async function load(
  ch: ClickHouseClient,
  database: string,
  now: number,
  log: (line: string) => void,
): Promise<void> {
  const db = identifier(database);
  await ch.server().command(sql`DROP DATABASE IF EXISTS ${db}`);
  await migrate(ch.server(), database, loadMigrations(defaultMigrationsDir(), database));
  const nowSeconds = Math.floor(now / 1000);
  const started = Date.now();
  for (let offset = 0; offset < PROFILES; offset += CHUNK) {
    const first = offset * EVENTS_PER_PROFILE;
    await ch.command(sql`INSERT INTO ${db}.events
      (event_id, profile_id, source, type, name, occurred_at, occurred_ms, received_at, ingested_at, revenue,
       currency, category, topics, utm_source, utm_medium, referrer, channel, properties, traits)
      SELECT
        concat('be-', toString(n)) AS event_id,
        concat('bp-', toString(intDiv(n, ${EVENTS_PER_PROFILE}))) AS profile_id,
        multiIf(h < 68, 'web', h < 80, 'transaction', h < 90, 'social', 'ad') AS source,
        multiIf(h < 35, 'page', h < 68, 'track', h < 80, 'transaction', h < 90, 'social', 'ad') AS type,
        multiIf(h < 35, 'Page Viewed', h < 60, 'Product Viewed', h < 68, 'Product Added', h < 78, 'Order Completed',
          h < 80, 'Order Refunded', h < 90, 'Social Like', h < 95, 'Ad Click', 'Ad Impression') AS name,
        toDateTime(${nowSeconds} - cityHash64(n, 1) % (365 * 86400)) AS occurred_at,
        toUInt16(n % 1000) AS occurred_ms,
        occurred_at AS received_at,
        occurred_at AS ingested_at,
        if(h >= 68 AND h < 80, toFloat64(20 + cityHash64(n, 2) % 800), 0) AS revenue,
        if(h >= 68 AND h < 80, 'CNY', '') AS currency,
        arrayElement(['skincare', 'makeup', 'shoes', 'bags', 'haircare'],
          toUInt8(if(cityHash64(n, 3) % 10 < 7, cityHash64(intDiv(n, ${EVENTS_PER_PROFILE})), cityHash64(n, 4)) % 5 + 1)) AS category,
        if(h >= 80 AND h < 90, [category], emptyArrayString()) AS topics,
        if(n % ${EVENTS_PER_PROFILE} = 0, arrayElement(['weibo', 'google', '', 'newsletter'], toUInt8(cityHash64(n, 5) % 4 + 1)), '') AS utm_source,
        if(n % ${EVENTS_PER_PROFILE} = 0, arrayElement(['paid_social', 'cpc', '', 'email'], toUInt8(cityHash64(n, 5) % 4 + 1)), '') AS utm_medium,
        if(n % ${EVENTS_PER_PROFILE} = 0 AND cityHash64(n, 5) % 4 = 2, 'https://www.google.com/', '') AS referrer,
        multiIf(h >= 80 AND h < 90, 'weibo', h >= 90, 'meta_ads', h >= 68, 'online', '') AS channel,
        if(h >= 80 AND h < 90, concat('{"topics":["', category, '"]}'), concat('{"category":"', category, '"}')) AS properties,
        '{}' AS traits
      FROM (SELECT number + ${first} AS n, cityHash64(number + ${first}) % 100 AS h
            FROM numbers(${CHUNK * EVENTS_PER_PROFILE}))`);
    log(
      `  events: ${(offset + CHUNK) / 1000}k of ${PROFILES / 1000}k profiles loaded (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  for (let offset = 0; offset < PROFILES; offset += CHUNK * 2) {
    await ch.command(sql`INSERT INTO ${db}.trait_updates
      (profile_id, trait, value, value_type, updated_at, updated_ms, event_id, source)
      SELECT
        concat('bp-', toString(p)) AS profile_id,
        arrayElement(['country', 'gender', 'age'], toUInt8(t + 1)) AS trait,
        multiIf(t = 0, arrayElement(['CN', 'CN', 'CN', 'SG', 'US', 'HK', 'MY'], toUInt8(cityHash64(p, 6) % 7 + 1)),
          t = 1, arrayElement(['female', 'female', 'male'], toUInt8(cityHash64(p, 7) % 3 + 1)),
          toString(18 + cityHash64(p, 8) % 50)) AS value,
        if(t = 2, 'number', 'string') AS value_type,
        toDateTime(${nowSeconds} - cityHash64(p, 9) % (365 * 86400)) AS updated_at,
        toUInt16(p % 1000) AS updated_ms,
        concat('bt-', toString(p), '-', toString(t)) AS event_id,
        'web' AS source
      FROM (SELECT intDiv(number, ${TRAITS_PER_PROFILE}) + ${offset} AS p, number % ${TRAITS_PER_PROFILE} AS t
            FROM numbers(${CHUNK * 2 * TRAITS_PER_PROFILE}))`);
    log(`  traits: ${(offset + CHUNK * 2) / 1000}k of ${PROFILES / 1000}k profiles loaded`);
  }
  await ch.command(sql`INSERT INTO ${db}.profile_merges (absorbed_id, survivor_id, merged_at, event_id, version)
    SELECT concat('bp-', toString(number * 100 + 99)), concat('bp-', toString(number * 100 + 98)),
      toDateTime(${nowSeconds}), concat('bm-', toString(number)), 1
    FROM numbers(${PROFILES / 100})`);
  log(`  merges: ${PROFILES / 100} profiles merged into a neighbour`);
}
