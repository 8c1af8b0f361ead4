-- Behavioural aggregates, maintained incrementally by materialized views, and views that
-- resolve merged profiles. Grain, keys and the correct way to read each object are in
-- docs/schema.md.
--
-- Rules that hold for every statement here (ClickHouse 18.16 and current versions):
-- - Aggregate tables are AggregatingMergeTree with AggregateFunction columns. Read them
--   with the -Merge combinators and GROUP BY; never rely on background merges (two rows
--   for one key are normal until a merge happens, and may stay forever).
-- - profile_id leads every ORDER BY, so a snapshot for a batch of profiles filters
--   `profile_id IN (...)` on the primary key and reads only those granules.
-- - Days are UTC days: toDate(occurred_at, 'UTC').
-- - The views are fed by INSERTs into events / trait_updates made after this migration.
--   A database that already held events when 0003 was applied needs the one-off backfill
--   in docs/schema.md (it is not part of the migration, because every service applies
--   pending migrations at start-up and two of them may do so at the same moment: an
--   INSERT ... SELECT here could run twice and double every count).

-- Per profile x event name x source x currency x UTC day. Currency is part of the key so
-- that revenue is never summed across currencies (a non-revenue event has currency '').
CREATE TABLE IF NOT EXISTS {db}.profile_event_daily
(
    profile_id String,
    name String,
    source String,
    currency String,
    day Date,
    event_count AggregateFunction(count),
    revenue_sum AggregateFunction(sum, Float64),
    first_at AggregateFunction(min, DateTime),
    last_at AggregateFunction(max, DateTime)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (profile_id, name, source, currency, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_event_daily_mv TO {db}.profile_event_daily
AS SELECT
    profile_id,
    name,
    source,
    currency,
    toDate(occurred_at, 'UTC') AS day,
    countState() AS event_count,
    sumState(revenue) AS revenue_sum,
    minState(occurred_at) AS first_at,
    maxState(occurred_at) AS last_at
FROM {db}.events
GROUP BY profile_id, name, source, currency, day;

-- Per profile x source x channel x utm source x utm medium x referrer host x UTC day:
-- where a profile came from (first touch = the row with the smallest first_at).
CREATE TABLE IF NOT EXISTS {db}.profile_channel_daily
(
    profile_id String,
    source String,
    channel String,
    utm_source String,
    utm_medium String,
    referrer_host String,
    day Date,
    event_count AggregateFunction(count),
    first_at AggregateFunction(min, DateTime),
    last_at AggregateFunction(max, DateTime)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (profile_id, source, channel, utm_source, utm_medium, referrer_host, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_channel_daily_mv TO {db}.profile_channel_daily
AS SELECT
    profile_id,
    source,
    channel,
    utm_source,
    utm_medium,
    domain(referrer) AS referrer_host,
    toDate(occurred_at, 'UTC') AS day,
    countState() AS event_count,
    minState(occurred_at) AS first_at,
    maxState(occurred_at) AS last_at
FROM {db}.events
GROUP BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day;

-- Per profile x event name x category x UTC day. An event counts once for each of its
-- categories: `categories` when it is not empty (transactions: the distinct item
-- categories), otherwise `category` (page views, tracks); events with neither are skipped.
CREATE TABLE IF NOT EXISTS {db}.profile_category_daily
(
    profile_id String,
    name String,
    category String,
    day Date,
    event_count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (profile_id, name, category, day);

-- arrayJoin in the SELECT list, not ARRAY JOIN: 18.16 cannot alias an ARRAY JOIN result
-- to a name the array expression reads, and it pushes inserted blocks to the outer query
-- of a view, so the usual subquery work-around fails at INSERT time.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_category_daily_mv TO {db}.profile_category_daily
AS SELECT
    profile_id,
    name,
    arrayJoin(arrayFilter(c -> c != '', if(empty(categories), [category], categories))) AS category,
    toDate(occurred_at, 'UTC') AS day,
    countState() AS event_count
FROM {db}.events
GROUP BY profile_id, name, category, day;

-- Per profile x trait: the latest value (by updated_at, then updated_ms) and its type.
CREATE TABLE IF NOT EXISTS {db}.profile_traits_latest
(
    profile_id String,
    trait String,
    latest_value AggregateFunction(argMax, String, UInt64),
    latest_value_type AggregateFunction(argMax, String, UInt64),
    last_updated_at AggregateFunction(max, DateTime)
)
ENGINE = AggregatingMergeTree()
ORDER BY (profile_id, trait);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.profile_traits_latest_mv TO {db}.profile_traits_latest
AS SELECT
    profile_id,
    trait,
    argMaxState(value, toUInt64(updated_at) * 1000 + updated_ms) AS latest_value,
    argMaxState(value_type, toUInt64(updated_at) * 1000 + updated_ms) AS latest_value_type,
    maxState(updated_at) AS last_updated_at
FROM {db}.trait_updates
GROUP BY profile_id, trait;

-- Merged profiles: absorbed profile -> its current survivor (latest row by version).
-- profile_merges is flattened (survivor_id is always the final survivor), so one lookup
-- resolves chains. Profiles never absorbed have no row: read it with ANY LEFT JOIN and
-- keep the profile's own id when survivor_id comes back ''.
CREATE VIEW IF NOT EXISTS {db}.profile_survivors
AS SELECT
    absorbed_id,
    argMax(survivor_id, version) AS survivor_id,
    argMax(merged_at, version) AS merged_at
FROM {db}.profile_merges
GROUP BY absorbed_id;

-- Events, deduplicated (FINAL) with profile_id replaced by the survivor for merged
-- profiles; the id known at ingest time stays in original_profile_id.
CREATE VIEW IF NOT EXISTS {db}.events_resolved
AS SELECT
    if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
    original_profile_id,
    event_id,
    source,
    type,
    name,
    occurred_at,
    occurred_ms,
    received_at,
    ingested_at,
    revenue,
    currency,
    user_id,
    anonymous_id,
    email,
    identifiers,
    category,
    categories,
    topics,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    referrer,
    page_url,
    page_path,
    channel,
    campaign_name,
    ip,
    user_agent,
    locale,
    properties,
    traits,
    kafka_topic,
    kafka_partition,
    kafka_offset
FROM
(
    SELECT
        profile_id AS original_profile_id,
        event_id,
        source,
        type,
        name,
        occurred_at,
        occurred_ms,
        received_at,
        ingested_at,
        revenue,
        currency,
        user_id,
        anonymous_id,
        email,
        identifiers,
        category,
        categories,
        topics,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_term,
        utm_content,
        referrer,
        page_url,
        page_path,
        channel,
        campaign_name,
        ip,
        user_agent,
        locale,
        properties,
        traits,
        kafka_topic,
        kafka_partition,
        kafka_offset
    FROM {db}.events FINAL
) AS a
ANY LEFT JOIN
(
    SELECT absorbed_id AS original_profile_id, survivor_id
    FROM {db}.profile_survivors
) AS s USING original_profile_id;

-- The aggregate tables with profile_id resolved to the survivor. The aggregate columns
-- are still states: read them with -Merge and GROUP BY (profile_id, ...).
CREATE VIEW IF NOT EXISTS {db}.profile_event_daily_resolved
AS SELECT
    if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
    original_profile_id,
    name,
    source,
    currency,
    day,
    event_count,
    revenue_sum,
    first_at,
    last_at
FROM
(
    SELECT
        profile_id AS original_profile_id,
        name,
        source,
        currency,
        day,
        event_count,
        revenue_sum,
        first_at,
        last_at
    FROM {db}.profile_event_daily
) AS a
ANY LEFT JOIN
(
    SELECT absorbed_id AS original_profile_id, survivor_id
    FROM {db}.profile_survivors
) AS s USING original_profile_id;

CREATE VIEW IF NOT EXISTS {db}.profile_channel_daily_resolved
AS SELECT
    if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
    original_profile_id,
    source,
    channel,
    utm_source,
    utm_medium,
    referrer_host,
    day,
    event_count,
    first_at,
    last_at
FROM
(
    SELECT
        profile_id AS original_profile_id,
        source,
        channel,
        utm_source,
        utm_medium,
        referrer_host,
        day,
        event_count,
        first_at,
        last_at
    FROM {db}.profile_channel_daily
) AS a
ANY LEFT JOIN
(
    SELECT absorbed_id AS original_profile_id, survivor_id
    FROM {db}.profile_survivors
) AS s USING original_profile_id;

CREATE VIEW IF NOT EXISTS {db}.profile_category_daily_resolved
AS SELECT
    if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
    original_profile_id,
    name,
    category,
    day,
    event_count
FROM
(
    SELECT
        profile_id AS original_profile_id,
        name,
        category,
        day,
        event_count
    FROM {db}.profile_category_daily
) AS a
ANY LEFT JOIN
(
    SELECT absorbed_id AS original_profile_id, survivor_id
    FROM {db}.profile_survivors
) AS s USING original_profile_id;

-- All-time totals per resolved profile x event name x source x currency (finalized).
CREATE VIEW IF NOT EXISTS {db}.profile_event_totals
AS SELECT
    profile_id,
    name,
    source,
    currency,
    countMerge(event_count) AS events,
    sumMerge(revenue_sum) AS revenue,
    minMerge(first_at) AS first_seen_at,
    maxMerge(last_at) AS last_seen_at
FROM {db}.profile_event_daily_resolved
GROUP BY profile_id, name, source, currency;

-- Current traits per resolved profile: for a merged person the latest value of each trait
-- across every profile that became theirs (finalized).
CREATE VIEW IF NOT EXISTS {db}.profile_traits_current
AS SELECT
    if(survivor_id = '', original_profile_id, survivor_id) AS profile_id,
    trait,
    argMaxMerge(latest_value) AS value,
    argMaxMerge(latest_value_type) AS value_type,
    maxMerge(last_updated_at) AS updated_at
FROM
(
    SELECT
        profile_id AS original_profile_id,
        trait,
        latest_value,
        latest_value_type,
        last_updated_at
    FROM {db}.profile_traits_latest
) AS a
ANY LEFT JOIN
(
    SELECT absorbed_id AS original_profile_id, survivor_id
    FROM {db}.profile_survivors
) AS s USING original_profile_id
GROUP BY profile_id, trait;
