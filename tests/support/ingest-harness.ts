import { randomBytes } from 'node:crypto';
import { ClickHouseClient, clickHouseSettingsFromEnv } from '@cdp/clickhouse';
import { BaseEnv, loadConfig } from '@cdp/config';
import { Admin, Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { ServiceProcess } from './service-process';
import { eventually, freePort, isolatedEnv } from './test-env';

/** Environment of an ingest process isolated on the suite's topics and database, with fast retries. */
export function ingestEnv(suffix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...isolatedEnv(suffix),
    INGEST_GROUP_ID: `t.${suffix}.ingest`,
    INGEST_RETRY_BASE_MS: '100',
    INGEST_RETRY_MAX_MS: '1000',
    INGEST_IDENTITY_FLUSH_MS: '200',
    LOG_LEVEL: 'log',
    ...extra,
  };
}

/** Starts the built ingest service and waits until it is ready and consuming. */
export async function startIngest(env: Record<string, string>): Promise<ServiceProcess> {
  const svc = new ServiceProcess('ingest', await freePort(), env);
  await svc.waitForStatus('/health/ready', 200, 60000);
  await eventually(
    async () => (await metric(svc, 'cdp_ingest_consuming')) === 1,
    60000,
    `ingest to consume; output:\n${svc.output()}`,
  );
  return svc;
}

/** Parses one sample of the service's /metrics (labels given must all match); 0 when absent. */
export async function metric(
  svc: ServiceProcess,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { body } = await svc.get('/metrics');
  let total = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const found = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]] as const),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[2]);
  }
  return total;
}

/** ClickHouse of the suite's database (configured like the services). */
export function clickhouseFor(env: Record<string, string>): ClickHouseClient {
  return new ClickHouseClient(clickHouseSettingsFromEnv(loadConfig(BaseEnv, env), 'cdp-e2e'));
}

export interface Produced {
  topic: string;
  value: string | Buffer;
  key?: string;
  partition?: number;
}

/** A test's Kafka side: an idempotent producer, an admin, and readers of output topics. */
export class KafkaHarness {
  readonly kafka: Kafka;
  readonly admin: Admin;
  private producer: Producer | undefined;
  private readonly consumers: Consumer[] = [];

  constructor(brokers: string) {
    this.kafka = new Kafka({
      clientId: `e2e-${randomBytes(3).toString('hex')}`,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.admin = this.kafka.admin();
  }

  async send(messages: Produced[]): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    for (const m of messages) {
      await this.producer.send({
        topic: m.topic,
        acks: -1,
        messages: [{ key: m.key ?? null, value: m.value, partition: m.partition }],
      });
    }
  }

  /** Collects every message of `topic` from the beginning (own random group). */
  async collect(topic: string): Promise<TopicReader> {
    const consumer = this.kafka.consumer({
      groupId: `e2e-reader-${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 100,
    });
    this.consumers.push(consumer);
    const reader = new TopicReader();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        reader.messages.push({
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? '',
        });
      },
    });
    return reader;
  }

  /** Sum of the committed offsets of `groupId` on `topics` (messages the group has committed). */
  async committed(groupId: string, topics: string[]): Promise<number> {
    const offsets = await this.admin.fetchOffsets({ groupId, topics });
    return offsets.flatMap((t) => t.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

/**
 * A suite's cleanup: its topics (every name holding `suffix`) deleted, its ClickHouse database
 * dropped, and both clients closed; failures ignored (a suite may stop half-started).
 */
export async function dropSuiteData(
  kafka: KafkaHarness,
  ch: ClickHouseClient | undefined,
  suffix: string,
  database: string,
): Promise<void> {
  await kafka.admin.connect().catch(() => undefined);
  const topics = (await kafka.admin.listTopics().catch(() => [] as string[])).filter((t) =>
    t.includes(suffix),
  );
  await kafka.admin.deleteTopics({ topics }).catch(() => undefined);
  await kafka.close();
  await ch
    ?.server()
    .command(`DROP DATABASE IF EXISTS ${database}`)
    .catch(() => undefined);
  await ch?.close();
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
}

export class TopicReader {
  readonly messages: ReadMessage[] = [];

  json<T>(): T[] {
    return this.messages.map((m) => JSON.parse(m.value) as T);
  }

  async waitFor(
    count: number,
    what: string,
    predicate: (m: ReadMessage) => boolean = () => true,
  ): Promise<ReadMessage[]> {
    await eventually(async () => this.messages.filter(predicate).length >= count, 60000, what);
    return this.messages.filter(predicate);
  }
}

/** Raw payloads of the contract (sections 3 and 4), with the fields a test varies. */
export const raw = {
  page(messageId: string, anonymousId: string, timestamp: string, extra: Record<string, unknown> = {}) {
    return JSON.stringify({
      type: 'page',
      messageId,
      anonymousId,
      name: 'Home',
      properties: { url: 'https://shop.example/?utm_source=google&utm_medium=cpc', category: 'landing' },
      context: { ip: '203.0.113.9', locale: 'zh-CN' },
      timestamp,
      ...extra,
    });
  },
  track(
    messageId: string,
    ids: { userId?: string; anonymousId?: string },
    event: string,
    properties: Record<string, unknown>,
    timestamp: string,
  ) {
    return JSON.stringify({ type: 'track', messageId, ...ids, event, properties, timestamp });
  },
  identify(
    messageId: string,
    userId: string,
    anonymousId: string,
    traits: Record<string, unknown>,
    timestamp: string,
  ) {
    return JSON.stringify({ type: 'identify', messageId, userId, anonymousId, traits, timestamp });
  },
  social(
    id: string,
    handle: string,
    actor: { userId?: string; email?: string },
    action: string,
    occurredAt: string,
  ) {
    return JSON.stringify({
      id,
      platform: 'weibo',
      action,
      occurredAt,
      actor: { handle, userId: actor.userId ?? null, email: actor.email ?? null },
      target: { type: 'post', id: 'p-77', url: 'https://weibo.example/p-77' },
      content: { topics: ['skincare', 'double11'], text: 'love it' },
      campaign: { name: 'double11' },
    });
  },
  ad(id: string, anonymousId: string, type: string, occurredAt: string) {
    return JSON.stringify({
      id,
      network: 'google_ads',
      type,
      occurredAt,
      anonymousId,
      userId: null,
      clickId: `gclid-${id}`,
      campaign: { id: 'c-9', name: 'winter-sale' },
      adGroup: 'boots',
      creative: 'cr-3',
      cost: { amount: 0.42, currency: 'USD' },
    });
  },
  transaction(
    orderId: string,
    status: string,
    customer: Record<string, string | null>,
    amount: number,
    occurredAt: string,
  ) {
    return JSON.stringify({
      orderId,
      status,
      occurredAt,
      customer,
      channel: 'online',
      total: { amount, currency: 'CNY' },
      items: [{ sku: 'sk-1', name: 'Serum', category: 'skincare', quantity: 1, price: amount }],
      coupon: null,
    });
  },
};
