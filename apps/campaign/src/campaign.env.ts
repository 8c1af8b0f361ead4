import { BaseEnv, IsIntInRange, IsPort } from '@cdp/config';
import { Matches } from 'class-validator';

/** Environment of the campaign service: the shared variables plus its own (apps/campaign/README.md). */
export class CampaignEnv extends BaseEnv {
  @IsPort()
  CAMPAIGN_METRICS_PORT = 9466;

  /** Consumer group of the segment events topic (all campaign instances share it). */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, {
    message: 'must be a consumer group id (letters, digits, ".", "_", "-")',
  })
  CAMPAIGN_GROUP_ID = 'cdp-campaign';

  /** Segment events partitions handled at the same time by one instance. */
  @IsIntInRange(1, 64)
  CAMPAIGN_PARTITIONS_CONCURRENCY = 1;

  /** Longest the broker holds a fetch of segment events when there is nothing new. */
  @IsIntInRange(1, 60000)
  CAMPAIGN_MAX_BATCH_WAIT_MS = 100;

  /** Consumer session timeout; a handler waiting longer heartbeats (every CAMPAIGN_HEARTBEAT_INTERVAL_MS). */
  @IsIntInRange(6000, 300000)
  CAMPAIGN_SESSION_TIMEOUT_MS = 30000;

  @IsIntInRange(100, 60000)
  CAMPAIGN_HEARTBEAT_INTERVAL_MS = 3000;

  /** Most triggered segment events decided and written per ClickHouse round trip. */
  @IsIntInRange(1, 10000)
  CAMPAIGN_DECISION_BATCH_SIZE = 500;

  /** Longest a decision waits for its batch to fill before it is written (and its offset committed). */
  @IsIntInRange(1, 60000)
  CAMPAIGN_DECISION_FLUSH_MS = 200;

  /** Attempts at processing one segment event (a transient error) before it goes to the dead-letter topic. */
  @IsIntInRange(1, 100)
  CAMPAIGN_MAX_PROCESSING_ATTEMPTS = 5;

  /** First retry delay of a failed ClickHouse or Kafka write; doubles per attempt. */
  @IsIntInRange(1, 60000)
  CAMPAIGN_RETRY_BASE_MS = 250;

  /** Longest retry delay of ClickHouse or Kafka writes. */
  @IsIntInRange(1, 600000)
  CAMPAIGN_RETRY_MAX_MS = 10000;

  /** One webhook request (connect, send, response headers) times out after this. */
  @IsIntInRange(100, 300000)
  CAMPAIGN_WEBHOOK_TIMEOUT_MS = 10000;

  /** Attempts per delivery (the first one included) before it is recorded as failed. */
  @IsIntInRange(1, 100)
  CAMPAIGN_WEBHOOK_MAX_ATTEMPTS = 6;

  /** Retry delay after the first failed attempt; doubles per attempt, with jitter. */
  @IsIntInRange(1, 3600000)
  CAMPAIGN_WEBHOOK_BACKOFF_BASE_MS = 1000;

  /** Longest retry delay (before jitter). */
  @IsIntInRange(1, 86400000)
  CAMPAIGN_WEBHOOK_BACKOFF_MAX_MS = 300000;

  /** Requests in flight at once per campaign: a slow endpoint only ever holds its own slots. */
  @IsIntInRange(1, 1000)
  CAMPAIGN_WEBHOOK_CONCURRENCY = 8;

  /** Requests in flight at once over all campaigns of the process. */
  @IsIntInRange(1, 10000)
  CAMPAIGN_WEBHOOK_MAX_IN_FLIGHT = 128;

  /** Delivery status rows are written at most this long after the attempt finished. */
  @IsIntInRange(1, 60000)
  CAMPAIGN_STATUS_FLUSH_MS = 100;

  /**
   * After being assigned segment-events partitions, wait this long before resuming their
   * pending deliveries from ClickHouse (the previous owner finishes its requests in flight).
   */
  @IsIntInRange(0, 600000)
  CAMPAIGN_RESUME_GRACE_MS = 12000;

  /** How often pending deliveries of owned partitions that nobody works on are looked for. */
  @IsIntInRange(1000, 3600000)
  CAMPAIGN_PENDING_SWEEP_MS = 60000;

  /** Decisions kept in memory for dedupe and frequency caps before they are looked up again. */
  @IsIntInRange(100, 10000000)
  CAMPAIGN_RECENT_DECISIONS = 100000;
}
