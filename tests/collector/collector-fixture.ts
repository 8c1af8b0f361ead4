import { Kafka, logLevel } from 'kafkajs';
import { ServiceProcess } from '../support/service-process';
import { freePort, isolatedEnv, KAFKA_BROKERS, uniqueSuffix } from '../support/test-env';
import { TopicReader } from '../support/topic-reader';

export const WEB_KEY = 'e2e-web-key';
export const APP_KEY = 'e2e-app-key';

/** A built collector on its own topics, ready, with a reader on its raw web topic. */
export interface CollectorFixture {
  svc: ServiceProcess;
  reader: TopicReader;
  suffix: string;
  topic: string;
  /** POSTs a JSON body (a string is sent as is) with the web key unless `auth` says otherwise. */
  post(
    path: string,
    body: unknown,
    options?: { auth?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  close(): Promise<void>;
}

export const basicAuth = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

export async function startCollector(env: Record<string, string> = {}): Promise<CollectorFixture> {
  const suffix = uniqueSuffix();
  const base = isolatedEnv(suffix);
  const svc = new ServiceProcess('collector', await freePort(), {
    ...base,
    // The collector does not use ClickHouse tables: no schema of its own to wait for.
    CLICKHOUSE_MIGRATE: 'false',
    COLLECTOR_WRITE_KEYS: `${WEB_KEY}:web,${APP_KEY}:ios-app`,
    ...env,
  });
  await svc.waitForStatus('/health/ready', 200, 60000);
  const topic = base.TOPIC_RAW_WEB;
  const reader = new TopicReader(topic);
  await reader.start();

  return {
    svc,
    reader,
    suffix,
    topic,
    async post(path, body, options = {}) {
      const auth = options.auth === undefined ? basicAuth(WEB_KEY) : options.auth;
      const res = await fetch(svc.url(path), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(auth === null ? {} : { authorization: auth }),
          ...options.headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(20000),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
    },
    async close() {
      await reader.stop().catch(() => undefined);
      await svc.stop('SIGKILL');
      await deleteTopics(suffix);
    },
  };
}

async function deleteTopics(suffix: string): Promise<void> {
  const admin = new Kafka({
    clientId: `e2e-cleanup-${suffix}`,
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.includes(suffix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // best effort: topics of a test run are unique and harmless
  } finally {
    await admin.disconnect();
  }
}

/** A marker unique to one test, to find its messages on the shared topic. */
export function marker(name: string): string {
  return `${name}-${uniqueSuffix()}`;
}
