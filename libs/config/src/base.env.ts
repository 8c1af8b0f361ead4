import { parseTraitsConfig, type TraitsConfig } from '@cdp/domain';
import { IsBoolean, IsIn, IsNotEmpty, IsString, Matches } from 'class-validator';
import { IsBrokerList, IsHttpUrl, IsIntInRange, IsTraitsConfigJson } from './validators';

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const TOPIC_MESSAGE = 'must be a Kafka topic name (letters, digits, ".", "_", "-")';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/**
 * Environment shared by every service (contract section 1 and 2). Property names are
 * the variable names; initialisers are the defaults.
 */
export class BaseEnv {
  @IsBrokerList()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsString()
  @IsNotEmpty()
  KAFKA_CLIENT_ID = 'cdp';

  @IsIntInRange(1, 10000)
  KAFKA_TOPIC_PARTITIONS = 3;

  @IsIntInRange(1, 16)
  KAFKA_REPLICATION_FACTOR = 1;

  @IsIntInRange(100, 120000)
  KAFKA_CONNECTION_TIMEOUT_MS = 3000;

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_RAW_WEB = 'cdp.raw.web';

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_RAW_SOCIAL = 'cdp.raw.social';

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_RAW_AD = 'cdp.raw.ad';

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_RAW_TRANSACTION = 'cdp.raw.transaction';

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_EVENTS = 'cdp.events';

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_EVENTS_DLQ = 'cdp.events.dlq';

  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_SEGMENT_EVENTS = 'cdp.segment-events';

  /** Compacted topic of identity link facts (platform-internal, read in full by every ingest). */
  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_IDENTITY_LINKS = 'cdp.identity-links';

  /** Platform-internal: compacted topic of segment definitions (key = segment id), written by the api. */
  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_SEGMENTS = 'cdp.segments';

  /** Platform-internal: compacted per-profile segmenter state (key = profile id), written transactionally. */
  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_SEGMENT_STATE = 'cdp.segment-state';

  /** Platform-internal: compacted topic of campaign definitions (key = campaign id), written by the api. */
  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_CAMPAIGNS = 'cdp.campaigns';

  /** Platform-internal: segment events the campaign service could not process after bounded retries. */
  @Matches(TOPIC, { message: TOPIC_MESSAGE })
  TOPIC_CAMPAIGN_DLQ = 'cdp.campaign.dlq';

  @IsBoolean({ message: 'must be true or false' })
  KAFKA_CREATE_TOPICS = true;

  @IsHttpUrl()
  CLICKHOUSE_URL = 'http://127.0.0.1:8123';

  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
    message: 'must be a ClickHouse database name ([A-Za-z_][A-Za-z0-9_]*)',
  })
  CLICKHOUSE_DATABASE = 'cdp';

  @IsString()
  @IsNotEmpty()
  CLICKHOUSE_USER = 'default';

  @IsString()
  CLICKHOUSE_PASSWORD = '';

  @IsIntInRange(100, 600000)
  CLICKHOUSE_REQUEST_TIMEOUT_MS = 30000;

  @IsBoolean({ message: 'must be true or false' })
  CLICKHOUSE_MIGRATE = true;

  @IsString()
  @IsNotEmpty()
  HTTP_HOST = '0.0.0.0';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevelName = 'log';

  @IsIntInRange(100, 600000)
  SHUTDOWN_TIMEOUT_MS = 15000;

  @IsIntInRange(50, 60000)
  HEALTH_CHECK_TIMEOUT_MS = 1500;

  /**
   * Computed-trait thresholds (JSON merged over the defaults, libs/domain traits.config.ts):
   * the segmenter's live memberships and the api's previews, profiles and SQL read the same
   * settings, so every service that evaluates rules must be given the same value.
   */
  @IsTraitsConfigJson()
  TRAITS_CONFIG = '{}';

  /** TRAITS_CONFIG parsed (validated when the config was loaded). */
  traitsConfig(): TraitsConfig {
    const result = parseTraitsConfig(this.TRAITS_CONFIG);
    if (!result.ok) throw new Error(`TRAITS_CONFIG ${result.problems.join('; ')}`);
    return result.config;
  }
}
