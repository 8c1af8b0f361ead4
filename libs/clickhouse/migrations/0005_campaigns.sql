-- Campaigns (contract section 8): their definitions as the api stored them, and every
-- decision the campaign service made for a segment event (docs/campaigns.md).
--
-- campaigns: one row per definition version the api wrote (create, update, pause, delete).
-- The latest version per campaign wins: FINAL or argMax(..., version) GROUP BY campaign_id.
-- The source of truth for the campaign service is the compacted Kafka topic cdp.campaigns;
-- this copy is for analysts and for the api's reads. Webhook secrets are never stored here
-- (has_secret says whether one is set).
CREATE TABLE IF NOT EXISTS {db}.campaigns
(
    campaign_id String,
    version UInt32,
    status String,
    trigger_segment String,
    trigger_on String,
    action_type String,
    action_url String,
    action_headers String,
    frequency_cap_max UInt32,
    frequency_cap_seconds UInt32,
    holdout_percent Float64,
    has_secret UInt8,
    created_at DateTime,
    updated_at DateTime,
    updated_ms UInt16,
    definition String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY campaign_id;

-- campaign_deliveries: one logical row per delivery id (hash of campaign id and segment
-- event id), several physical rows while it progresses; `version` grows with every status
-- change (attempts * 4 + rank, rank pending 1 < held_out/capped 2 < sent/failed/cancelled 3),
-- so the latest row wins: FINAL or argMax(..., version) GROUP BY delivery_id.
-- status: pending (to be sent, or retrying), sent, held_out (control group, recorded not
-- sent), capped (frequency cap reached), failed (after the last retry, or a 4xx), cancelled
-- (the campaign was deleted before it could be sent).
-- The sorting key leads with campaign and profile, which caps and lift reports filter on; a
-- delivery's profile never changes, so the key identifies the delivery.
CREATE TABLE IF NOT EXISTS {db}.campaign_deliveries
(
    delivery_id String,
    campaign_id String,
    campaign_version UInt32,
    profile_id String,
    segment_id String,
    segment_version UInt32,
    segment_event_id String,
    event_type String,
    cause_kind String,
    triggered_at DateTime,
    triggered_ms UInt16,
    status String,
    attempts UInt16,
    last_status_code UInt16,
    last_error String,
    decided_at DateTime,
    next_attempt_at DateTime,
    sent_at DateTime,
    updated_at DateTime,
    updated_ms UInt16,
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    payload String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (campaign_id, profile_id, delivery_id);
