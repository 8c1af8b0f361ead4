-- Canonical events (one row per event id) and the identity tables.
--
-- events: everything every source said, normalized. `profile_id` is the profile known
-- when the event was ingested; read it through profile_merges (absorbed -> survivor) so
-- that a merged person's history is whole. Duplicates (redelivery after a crash between
-- the insert and the offset commit) are filtered before the insert through event_ids;
-- ReplacingMergeTree on the full key is the second line of defence.
CREATE TABLE IF NOT EXISTS {db}.events
(
    event_id String,
    profile_id String,
    source String,
    type String,
    name String,
    occurred_at DateTime,
    occurred_ms UInt16,
    received_at DateTime,
    ingested_at DateTime,
    revenue Float64,
    currency String,
    user_id String,
    anonymous_id String,
    email String,
    identifiers Array(String),
    category String,
    categories Array(String),
    topics Array(String),
    utm_source String,
    utm_medium String,
    utm_campaign String,
    utm_term String,
    utm_content String,
    referrer String,
    page_url String,
    page_path String,
    channel String,
    campaign_name String,
    ip String,
    user_agent String,
    locale String,
    properties String,
    traits String,
    kafka_topic String,
    kafka_partition UInt32,
    kafka_offset UInt64
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (profile_id, occurred_at, event_id);

-- event ids already written, checked by ingest before each insert (idempotent redelivery)
CREATE TABLE IF NOT EXISTS {db}.event_ids
(
    event_id String,
    profile_id String,
    ingested_at DateTime
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY event_id;

-- identifier -> profile, latest row per identifier wins (argMax by version)
CREATE TABLE IF NOT EXISTS {db}.identities
(
    identifier String,
    kind String,
    value String,
    profile_id String,
    first_seen_at DateTime,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY identifier;

-- every link fact (identifiers that co-occurred in one message); the compacted Kafka
-- topic is the source of truth for ingest instances, this copy is for analysts
CREATE TABLE IF NOT EXISTS {db}.identity_links
(
    fact_id String,
    identifiers Array(String),
    event_id String,
    occurred_at DateTime
)
ENGINE = ReplacingMergeTree(occurred_at)
ORDER BY fact_id;

-- absorbed profile -> surviving profile (flattened: always the final survivor)
CREATE TABLE IF NOT EXISTS {db}.profile_merges
(
    absorbed_id String,
    survivor_id String,
    merged_at DateTime,
    event_id String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY absorbed_id;

-- facts that would have put two userIds in one profile: recorded, not applied
CREATE TABLE IF NOT EXISTS {db}.identity_conflicts
(
    event_id String,
    reason String,
    user_ids Array(String),
    set_aside Array(String),
    recorded_at DateTime
)
ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (event_id, reason);

-- one row per trait value a message set (identify traits, and what source payloads say
-- about the person: email, phone, country, city ...); written by ingest next to events.
-- Latest value per (profile, trait) wins: argMax(value, (updated_at, updated_ms)).
CREATE TABLE IF NOT EXISTS {db}.trait_updates
(
    profile_id String,
    trait String,
    value String,
    value_type String,
    updated_at DateTime,
    updated_ms UInt16,
    event_id String,
    source String
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(updated_at)
ORDER BY (profile_id, trait, updated_at, updated_ms, event_id);
