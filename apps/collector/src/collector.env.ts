import { BaseEnv, DEFAULT_COLLECTOR_PORT, DEV_WRITE_KEYS, IsIntInRange, IsPort } from '@cdp/config';
import { IsWriteKeyList } from './write-keys';

/** Environment of the collector service: the shared variables plus its own. */
export class CollectorEnv extends BaseEnv {
  @IsPort()
  COLLECTOR_PORT = DEFAULT_COLLECTOR_PORT;

  /** `writeKey:sourceName` pairs, comma-separated; the source name is stamped on every call. */
  @IsWriteKeyList()
  COLLECTOR_WRITE_KEYS = DEV_WRITE_KEYS;

  /** Largest tracking call, in bytes of its JSON (Segment's limit: 32 KB). */
  @IsIntInRange(1024, 1048576)
  COLLECTOR_MAX_CALL_BYTES = 32 * 1024;

  /** Largest request body, in bytes after decompression (Segment's limit: 500 KB). */
  @IsIntInRange(1024, 10485760)
  COLLECTOR_MAX_REQUEST_BYTES = 500 * 1024;

  /** A Kafka write not acknowledged within this time answers 503 (the client retries). */
  @IsIntInRange(100, 120000)
  COLLECTOR_KAFKA_SEND_TIMEOUT_MS = 5000;
}
