import { BaseEnv, IsIntInRange, IsPort } from '@cdp/config';
import { Equals, IsBoolean, Matches } from 'class-validator';

const GROUP = /^[A-Za-z0-9._-]{1,200}$/;

/** Environment of the segmenter service: the shared variables plus its own (README: Configuration). */
export class SegmenterEnv extends BaseEnv {
  @IsPort()
  SEGMENTER_METRICS_PORT = 9465;

  /** Consumer group of cdp.events (all instances share it); `<id>.history` writes the ClickHouse history. */
  @Matches(GROUP, { message: 'must be a consumer group id (letters, digits, ".", "_", "-")' })
  SEGMENTER_GROUP_ID = 'cdp-segmenter';

  /** Transactional ids are `<prefix>-<events topic>-<partition>`: one producer per input partition. */
  @Matches(GROUP, { message: 'must be letters, digits, ".", "_", "-"' })
  SEGMENTER_TRANSACTIONAL_ID_PREFIX = 'cdp-segmenter';

  /** Longest a fetch of cdp.events waits for data (latency: keep it low). */
  @IsIntInRange(1, 10000)
  SEGMENTER_MAX_BATCH_WAIT_MS = 20;

  /**
   * Bytes a cdp.events fetch waits for (up to SEGMENTER_MAX_BATCH_WAIT_MS): 1 starts a unit at
   * the first message; more gathers larger units (fewer Kafka transactions) at up to the wait.
   */
  @IsIntInRange(1, 52428800)
  SEGMENTER_FETCH_MIN_BYTES = 1;

  /**
   * The history writer's fetches of cdp.segment-events: bytes to wait for, up to
   * SEGMENTER_HISTORY_MAX_WAIT_MS. By default it gathers up to 1 MB for up to a second: one
   * insert into `segment_transitions` per second rather than one per fetch (ClickHouse pays
   * for every part written and merged: ~0.15 of a core at 1k events/s on the benchmark
   * machine); the history table then lags the segment events by up to a second. 1 writes
   * at every first message.
   */
  @IsIntInRange(1, 52428800)
  SEGMENTER_HISTORY_FETCH_MIN_BYTES = 1048576;

  @IsIntInRange(1, 60000)
  SEGMENTER_HISTORY_MAX_WAIT_MS = 1000;

  /**
   * Most messages per unit of work (one evaluation pass, one transaction): larger fetches are
   * split, and chunks waiting for their turn are merged up to it.
   */
  @IsIntInRange(1, 100000)
  SEGMENTER_MAX_BATCH_SIZE = 1000;

  /** Chunks of one partition in flight at once (pipelining: loading the next while the previous commits). */
  @IsIntInRange(1, 64)
  SEGMENTER_MAX_PENDING_CHUNKS = 8;

  /** Input partitions processed at the same time by one instance. */
  @IsIntInRange(1, 64)
  SEGMENTER_PARTITIONS_CONCURRENCY = 4;

  /** Consumer group session timeout (a crashed instance's partitions move after this). */
  @IsIntInRange(6000, 300000)
  SEGMENTER_SESSION_TIMEOUT_MS = 30000;

  /** Tick of the window-boundary scheduler. */
  @IsIntInRange(10, 10000)
  SEGMENTER_TIMER_INTERVAL_MS = 100;

  /**
   * A boundary instant is evaluated once this long has passed after it (wall clock, or the
   * partition's event time), so that events dated just before it, still in the pipeline, come first.
   */
  @IsIntInRange(0, 600000)
  SEGMENTER_TIME_GRACE_MS = 500;

  /** Most boundary instants one profile catches up in one go. */
  @IsIntInRange(1, 100000)
  SEGMENTER_MAX_CATCH_UP_STEPS = 1000;

  /** 0: load the history the active rules need (all of it when a rule looks at all time or uses computed traits); N: at most N days (faster, inexact beyond). */
  @IsIntInRange(0, 36500)
  SEGMENTER_EVENT_LOOKBACK_DAYS = 0;

  /**
   * Profiles per partition whose history is kept in memory, extended from the consumed events
   * (read from ClickHouse only when missing). 0: always read from ClickHouse.
   */
  @IsIntInRange(0, 10_000_000)
  SEGMENTER_HISTORY_CACHE_PROFILES = 20000;

  /** Profiles per chunk (one snapshot load, one transaction) of an initial-membership / edit / archive run. */
  @IsIntInRange(1, 100000)
  SEGMENTER_BACKFILL_CHUNK_SIZE = 500;

  /**
   * Initial membership of a segment that can only be entered through events: candidates from the
   * SQL compiler (its members now) instead of every profile. false: always evaluate every profile.
   */
  @IsBoolean({ message: 'must be true or false' })
  SEGMENTER_BACKFILL_SQL = true;

  /** Default of a definition's `exitOnArchive`: archiving (or deleting) a segment emits exits for its members. */
  @IsBoolean({ message: 'must be true or false' })
  SEGMENTER_EXIT_ON_ARCHIVE = true;

  /** Write every transition to ClickHouse `segment_transitions` (a consumer of cdp.segment-events). */
  @IsBoolean({ message: 'must be true or false' })
  SEGMENTER_HISTORY_ENABLED = true;

  /**
   * Run the history writer on a worker thread of its own (true), or on the service's thread:
   * reading every transition back, parsing and inserting it costs about as much as emitting it,
   * and at a burst of transitions it would take turns with the evaluation.
   */
  @IsBoolean({ message: 'must be true or false' })
  SEGMENTER_HISTORY_THREAD = true;

  /**
   * Nice value of the history writer's thread (Linux; with SEGMENTER_HISTORY_THREAD): it is not
   * on the way of a transition to its consumers, so on a busy machine it yields the CPU to the
   * evaluation. 0 keeps the service's priority.
   */
  @IsIntInRange(0, 19)
  SEGMENTER_HISTORY_NICE = 10;

  /** Kafka transaction timeout. */
  @IsIntInRange(1000, 900000)
  SEGMENTER_TRANSACTION_TIMEOUT_MS = 60000;

  @IsIntInRange(1, 60000)
  SEGMENTER_RETRY_BASE_MS = 250;

  @IsIntInRange(1, 600000)
  SEGMENTER_RETRY_MAX_MS = 10000;

  /** Tests only: enables `PUT /test/clock` to move the segmenter's wall clock (boundaries due, emittedAt). */
  @IsBoolean({ message: 'must be true or false' })
  SEGMENTER_TEST_CLOCK = false;

  /** Renamed to the shared TRAITS_CONFIG (the api evaluates with the same settings): refused when set. */
  @Equals('', { message: 'was renamed to TRAITS_CONFIG, which the api reads too: set that instead' })
  SEGMENTER_TRAITS_CONFIG = '';
}
