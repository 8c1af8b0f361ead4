import { BaseEnv, IsIntInRange, IsPort } from '@cdp/config';
import { Matches } from 'class-validator';

/** Environment of the ingest service: the shared variables plus its own. */
export class IngestEnv extends BaseEnv {
  @IsPort()
  INGEST_METRICS_PORT = 9464;

  /** Consumer group of the raw topics (all ingest instances share it). */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, {
    message: 'must be a consumer group id (letters, digits, ".", "_", "-")',
  })
  INGEST_GROUP_ID = 'cdp-ingest';

  /** Most messages written per ClickHouse insert; larger Kafka batches are split. */
  @IsIntInRange(1, 100000)
  INGEST_MAX_BATCH_SIZE = 1000;

  /** Longest the broker holds a fetch waiting for INGEST_FETCH_MIN_BYTES (the batch time threshold). */
  @IsIntInRange(1, 60000)
  INGEST_MAX_BATCH_WAIT_MS = 100;

  /**
   * Bytes a raw fetch waits for (up to INGEST_MAX_BATCH_WAIT_MS). 1 starts a batch at the first
   * message (lowest latency at low rates). Every batch costs ClickHouse a few new parts (and their
   * merges) whatever its size, so under sustained load a larger value (e.g. 1048576: a batch
   * gathers what arrives within the wait) lowers both the CPU and the end-to-end latency; the
   * segmenter benchmark runs with 1 MB (apps/segmenter/README.md, Benchmark).
   */
  @IsIntInRange(1, 52428800)
  INGEST_FETCH_MIN_BYTES = 1;

  /**
   * Raw partitions processed at the same time by one instance. The partitions of one fetch are
   * written together (one statement per table for all of them), so more costs no extra inserts.
   */
  @IsIntInRange(1, 64)
  INGEST_PARTITIONS_CONCURRENCY = 8;

  /** First retry delay after a failed ClickHouse or Kafka write; doubles per attempt. */
  @IsIntInRange(1, 60000)
  INGEST_RETRY_BASE_MS = 250;

  /** Longest retry delay. */
  @IsIntInRange(1, 600000)
  INGEST_RETRY_MAX_MS = 10000;

  /** How long a batch waits for the identity-links topic to be read up to its end before retrying. */
  @IsIntInRange(100, 600000)
  INGEST_LINKS_CATCH_UP_TIMEOUT_MS = 30000;

  /** How often merges and conflicts found in other instances' link facts are written and published. */
  @IsIntInRange(10, 600000)
  INGEST_IDENTITY_FLUSH_MS = 1000;

  /** How often the GDPR suppression list (erased identifiers) is re-read from ClickHouse. */
  @IsIntInRange(100, 600000)
  INGEST_SUPPRESSION_REFRESH_MS = 5000;
}
