-- GDPR erasure (apps/api, DELETE /v1/profiles/{id}): the identifiers whose future events ingest
-- drops (reason `suppressed`). Only the sha-256 (hex) of the identifier key (`email:lin@example.com`)
-- is kept, so the list itself holds no identifier. Read with FINAL or DISTINCT.
CREATE TABLE IF NOT EXISTS {db}.suppressed_identifiers
(
    identifier_hash String,
    requested_at DateTime
)
ENGINE = ReplacingMergeTree(requested_at)
ORDER BY identifier_hash;
