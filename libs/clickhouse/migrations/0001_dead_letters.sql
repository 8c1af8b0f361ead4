-- Messages ingest rejected (contract section 5), kept for analysts next to the
-- cdp.events.dlq topic. One row per rejected message; (topic, partition, offset) is
-- unique, so redelivery collapses in ReplacingMergeTree / argMax reads.
CREATE TABLE IF NOT EXISTS {db}.dead_letters
(
    source_topic String,
    source_partition UInt32,
    source_offset UInt64,
    received_at DateTime,
    reasons String,
    reason_codes Array(String),
    payload_base64 String
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (source_topic, source_partition, source_offset);
