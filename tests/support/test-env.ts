import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** Servers the e2e tests use: the local stack unless KAFKA_BROKERS / CLICKHOUSE_URL say otherwise. */
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

/** A short random suffix so that suites can run in parallel and repeatedly on one stack. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Environment for a service (or the bootstrap CLI) isolated on its own topics and database. */
export function isolatedEnv(suffix: string): Record<string, string> {
  return {
    KAFKA_BROKERS,
    CLICKHOUSE_URL,
    CLICKHOUSE_DATABASE: `cdp_test_${suffix}`,
    TOPIC_RAW_WEB: `t.${suffix}.raw.web`,
    TOPIC_RAW_SOCIAL: `t.${suffix}.raw.social`,
    TOPIC_RAW_AD: `t.${suffix}.raw.ad`,
    TOPIC_RAW_TRANSACTION: `t.${suffix}.raw.transaction`,
    TOPIC_EVENTS: `t.${suffix}.events`,
    TOPIC_EVENTS_DLQ: `t.${suffix}.events.dlq`,
    TOPIC_SEGMENT_EVENTS: `t.${suffix}.segment-events`,
    TOPIC_IDENTITY_LINKS: `t.${suffix}.identity-links`,
    TOPIC_SEGMENTS: `t.${suffix}.segments`,
    TOPIC_SEGMENT_STATE: `t.${suffix}.segment-state`,
    TOPIC_CAMPAIGNS: `t.${suffix}.campaigns`,
    TOPIC_CAMPAIGN_DLQ: `t.${suffix}.campaign.dlq`,
    KAFKA_TOPIC_PARTITIONS: '2',
  };
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns true or the timeout passes. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}
