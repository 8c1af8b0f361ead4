-- Segments: definitions as the segmenter saw them, and every membership transition
-- (contract section 7: "Every transition is also recorded in ClickHouse"). Written by the
-- segmenter; how to read them is in docs/schema.md (Segments).
--
-- Both tables are written at least once and deduplicated by their sorting key: read them
-- with FINAL (or through the views below).

-- One row per segment definition version/status the segmenter read from the definitions topic.
CREATE TABLE IF NOT EXISTS {db}.segment_definitions
(
    segment_id String,
    version UInt32,
    status String,
    name String,
    description String,
    rule String,
    exit_on_archive UInt8,
    created_at DateTime,
    updated_at DateTime,
    updated_ms UInt16,
    recorded_at DateTime
)
ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (segment_id, version, status, updated_at, updated_ms);

-- The latest definition of each segment (by updated_at, then version). The inner query renames
-- the columns: 18.16 would otherwise substitute the outer aliases into the argMax arguments.
CREATE VIEW IF NOT EXISTS {db}.segment_definitions_current
AS SELECT
    segment_id,
    argMax(d_version, d_order) AS version,
    argMax(d_status, d_order) AS status,
    argMax(d_name, d_order) AS name,
    argMax(d_description, d_order) AS description,
    argMax(d_rule, d_order) AS rule,
    argMax(d_exit_on_archive, d_order) AS exit_on_archive,
    min(d_created_at) AS created_at,
    max(d_updated_at) AS updated_at
FROM
(
    SELECT
        segment_id,
        version AS d_version,
        status AS d_status,
        name AS d_name,
        description AS d_description,
        rule AS d_rule,
        exit_on_archive AS d_exit_on_archive,
        created_at AS d_created_at,
        updated_at AS d_updated_at,
        (toUInt64(updated_at) * 1000 + updated_ms, version) AS d_order
    FROM {db}.segment_definitions FINAL
)
GROUP BY segment_id;

-- One row per segment event (entered / exited). `sequence` numbers a profile's transitions
-- (all segments) in order, so that an entry and an exit in the same millisecond still order.
-- cause_*: the cause of contract section 7 (event id and Kafka coordinates '' / -1 when none).
CREATE TABLE IF NOT EXISTS {db}.segment_transitions
(
    id String,
    segment_id String,
    segment_version UInt32,
    profile_id String,
    type String,
    sequence UInt64,
    occurred_at DateTime,
    occurred_ms UInt16,
    emitted_at DateTime,
    emitted_ms UInt16,
    cause_kind String,
    cause_event_id String,
    cause_topic String,
    cause_partition Int32,
    cause_offset String,
    reason String,
    user_id String,
    email String,
    anonymous_ids Array(String),
    recorded_at DateTime
)
ENGINE = ReplacingMergeTree(recorded_at)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (segment_id, profile_id, occurred_at, id);

-- Membership intervals: one row per stay of a profile in a segment, from its entry to its exit
-- (exited_at_ms = 18446744073709551615 while still a member). Entries and exits alternate per
-- profile and segment, so the n-th entry pairs with the n-th exit. "Who was in S at instant T":
-- segment_id = S AND entered_at_ms <= T AND exited_at_ms > T.
CREATE VIEW IF NOT EXISTS {db}.segment_membership_intervals
AS SELECT
    segment_id,
    profile_id,
    tupleElement(stay, 1) AS entered_at_ms,
    tupleElement(stay, 2) AS exited_at_ms,
    tupleElement(stay, 3) AS entered_version
FROM
(
    SELECT
        segment_id,
        profile_id,
        arraySort(x -> tupleElement(x, 1), groupArray((sequence, type, toUInt64(occurred_at) * 1000 + occurred_ms, segment_version))) AS ordered,
        arrayFilter(x -> tupleElement(x, 2) = 'segment.entered', ordered) AS entries,
        arrayFilter(x -> tupleElement(x, 2) = 'segment.exited', ordered) AS exits,
        arrayMap(
            (e, x) -> (tupleElement(e, 3), if(tupleElement(x, 1) = 0, toUInt64(18446744073709551615), tupleElement(x, 3)), tupleElement(e, 4)),
            entries,
            arrayResize(exits, length(entries), (toUInt64(0), '', toUInt64(0), toUInt32(0)))
        ) AS stays
    FROM {db}.segment_transitions FINAL
    GROUP BY segment_id, profile_id
)
ARRAY JOIN stays AS stay;

-- Segment size over time: per segment and UTC day, entries, exits and the size at the end of
-- the day (running sum of entries minus exits).
CREATE VIEW IF NOT EXISTS {db}.segment_size_daily
AS SELECT
    segment_id,
    tupleElement(d, 1) AS day,
    tupleElement(d, 2) AS entered,
    tupleElement(d, 3) AS exited,
    tupleElement(d, 4) AS size
FROM
(
    SELECT
        segment_id,
        arraySort(x -> tupleElement(x, 1), groupArray((day, entered, exited))) AS days,
        arrayCumSum(arrayMap(x -> toInt64(tupleElement(x, 2)) - toInt64(tupleElement(x, 3)), days)) AS sizes,
        arrayMap((x, s) -> (tupleElement(x, 1), tupleElement(x, 2), tupleElement(x, 3), s), days, sizes) AS rows
    FROM
    (
        SELECT
            segment_id,
            toDate(occurred_at, 'UTC') AS day,
            countIf(type = 'segment.entered') AS entered,
            countIf(type = 'segment.exited') AS exited
        FROM {db}.segment_transitions FINAL
        GROUP BY segment_id, day
    )
    GROUP BY segment_id
)
ARRAY JOIN rows AS d;
