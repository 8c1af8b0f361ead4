import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@cdp/clickhouse';
import { identifier, sql } from '@cdp/clickhouse';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { clickhouseFor, metric } from './ingest-harness';
import { ServiceProcess } from './service-process';
import { eventually, freePort, isolatedEnv } from './test-env';

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

/** Environment of an api and a campaign service isolated on the suite's topics and database, with fast retries. */
export function campaignEnv(suffix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...isolatedEnv(suffix),
    CDP_ADMIN_TOKEN: ADMIN_TOKEN,
    CAMPAIGN_GROUP_ID: `t.${suffix}.campaign`,
    CAMPAIGN_DECISION_FLUSH_MS: '50',
    CAMPAIGN_STATUS_FLUSH_MS: '50',
    CAMPAIGN_WEBHOOK_TIMEOUT_MS: '3000',
    CAMPAIGN_WEBHOOK_MAX_ATTEMPTS: '4',
    CAMPAIGN_WEBHOOK_BACKOFF_BASE_MS: '100',
    CAMPAIGN_WEBHOOK_BACKOFF_MAX_MS: '400',
    CAMPAIGN_RESUME_GRACE_MS: '500',
    CAMPAIGN_PENDING_SWEEP_MS: '2000',
    CAMPAIGN_RETRY_BASE_MS: '100',
    CAMPAIGN_RETRY_MAX_MS: '1000',
    LOG_LEVEL: 'log',
    ...extra,
  };
}

export async function startApi(env: Record<string, string>): Promise<ServiceProcess> {
  const svc = new ServiceProcess('api', await freePort(), env);
  await svc.waitForStatus('/health/ready', 200, 60000);
  return svc;
}

/** Starts the built campaign service and waits until it consumes segment events. */
export async function startCampaign(env: Record<string, string>): Promise<ServiceProcess> {
  const svc = new ServiceProcess('campaign', await freePort(), env);
  await svc.waitForStatus('/health/ready', 200, 60000);
  await eventually(
    async () => (await metric(svc, 'cdp_campaign_consuming')) === 1,
    60000,
    `campaign to consume; output:\n${svc.output()}`,
  );
  return svc;
}

/** Waits until the campaign service acts on `version` of a campaign (or no longer knows it: version 0). */
export async function waitForDefinition(
  svc: ServiceProcess,
  campaign: string,
  version: number,
): Promise<void> {
  await eventually(
    async () => (await metric(svc, 'cdp_campaign_definition_version', { campaign })) === version,
    30000,
    `campaign service to load ${campaign} version ${version}`,
  );
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** The api's admin endpoints, with the token unless told otherwise. */
export class AdminClient {
  constructor(
    readonly base: string,
    private readonly token: string | null = ADMIN_TOKEN,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** The profile id the api finds for a userId, once ingest has written it (`GET /v1/profiles?userId=`). */
  async profileIdOfUser(userId: string, what = `the profile of ${userId}`): Promise<string> {
    let profileId = '';
    await eventually(
      async () => {
        const found = await this.request<{ profileId?: string }>(
          'GET',
          `/v1/profiles?userId=${encodeURIComponent(userId)}`,
        );
        profileId = found.body.profileId ?? '';
        return found.status === 200 && profileId !== '';
      },
      30000,
      what,
    );
    return profileId;
  }
}

/** A webhook campaign definition for `POST /v1/campaigns` (contract section 8). */
export function campaignBody(id: string, segment: string, url: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    trigger: { segment, on: 'entered' },
    action: { type: 'webhook', url, headers: {} },
    holdoutPercent: 0,
    status: 'active',
    ...extra,
  };
}

let eventCounter = 0;

/** A segment event in the contract's shape (section 7), emitted now. */
export function segmentEvent(segment: string, profileId: string, overrides: Record<string, unknown> = {}) {
  eventCounter += 1;
  return {
    id: `se-${randomBytes(6).toString('hex')}-${eventCounter}`,
    type: 'segment.entered',
    segment: { id: segment, version: 1 },
    profileId,
    identities: { userId: `u-${profileId}`, anonymousIds: [`a-${profileId}`], email: null },
    occurredAt: new Date(Date.now() - 1000).toISOString(),
    emittedAt: new Date().toISOString(),
    cause: {
      kind: 'event',
      eventId: `o-${eventCounter}:completed`,
      kafka: { topic: 'cdp.raw.transaction', partition: 0, offset: String(eventCounter) },
    },
    reason: [{ condition: 'Order Completed count within 90d = 0', actual: 0, result: true }],
    ...overrides,
  };
}

/** Produces segment events like the segmenter: keyed by profile id, in (committed or aborted) transactions. */
export class SegmentEventsProducer {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;

  constructor(
    brokers: string,
    private readonly topic: string,
  ) {
    this.kafka = new Kafka({
      clientId: `e2e-segmenter-${randomBytes(3).toString('hex')}`,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
  }

  /** Sends `values` (objects are JSON-encoded; strings sent as they are) in one transaction per chunk. */
  async send(
    values: readonly (object | string)[],
    options: { abort?: boolean; chunk?: number } = {},
  ): Promise<void> {
    const producer = await this.connect();
    const chunk = options.chunk ?? 1000;
    for (let i = 0; i < values.length; i += chunk) {
      const tx = await producer.transaction();
      try {
        await tx.send({
          topic: this.topic,
          acks: -1,
          messages: values.slice(i, i + chunk).map((v) => ({
            key: typeof v === 'string' ? 'raw' : String((v as { profileId?: string }).profileId ?? 'raw'),
            value: typeof v === 'string' ? v : JSON.stringify(v),
          })),
        });
        if (options.abort) await tx.abort();
        else await tx.commit();
      } catch (e) {
        await tx.abort().catch(() => undefined);
        throw e;
      }
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        transactionalId: `e2e-segmenter-${randomBytes(4).toString('hex')}`,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}

export interface DeliveryState {
  delivery_id: string;
  campaign_id: string;
  profile_id: string;
  segment_event_id: string;
  status: string;
  attempts: number;
  last_status_code: number;
  last_error: string;
}

/** The latest state of every delivery of a campaign in the delivery log. */
export async function deliveries(ch: ClickHouseClient, campaignId: string): Promise<DeliveryState[]> {
  const rows = await ch.query<DeliveryState>(sql`
    SELECT delivery_id, campaign_id, any(profile_id) AS profile_id,
      any(segment_event_id) AS segment_event_id,
      argMax(status, version) AS status,
      argMax(attempts, version) AS attempts,
      argMax(last_status_code, version) AS last_status_code,
      argMax(last_error, version) AS last_error
    FROM campaign_deliveries
    WHERE campaign_id = ${campaignId}
    GROUP BY delivery_id, campaign_id`);
  return rows.map((r) => ({
    ...r,
    attempts: Number(r.attempts),
    last_status_code: Number(r.last_status_code),
  }));
}

/** Counts of a campaign's deliveries by latest status. */
export async function statusCounts(
  ch: ClickHouseClient,
  campaignId: string,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const d of await deliveries(ch, campaignId)) counts[d.status] = (counts[d.status] ?? 0) + 1;
  return counts;
}

/** Segment events the campaign service has handled so far (every outcome, dead letters included). */
export async function handledSegmentEvents(svc: ServiceProcess): Promise<number> {
  return metric(svc, 'cdp_campaign_segment_events_total');
}

/** Waits until the service has handled `count` more segment events than `since`. */
export async function waitForHandled(
  svc: ServiceProcess,
  since: number,
  count: number,
  timeoutMs = 60000,
): Promise<void> {
  await eventually(
    async () => (await handledSegmentEvents(svc)) >= since + count,
    timeoutMs,
    `campaign service to handle ${count} segment events (handled ${(await handledSegmentEvents(svc).catch(() => 0)) - since})`,
  );
}

/** Deletes what a suite created on the shared stack: its topics (`t.<suffix>.*`) and its database. */
export async function dropSuite(env: Record<string, string>): Promise<void> {
  const suffix = /^t\.(.+)\.segment-events$/.exec(env.TOPIC_SEGMENT_EVENTS)?.[1];
  const kafka = new Kafka({
    clientId: 'e2e-cleanup',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter(
      (t) => suffix !== undefined && t.startsWith(`t.${suffix}.`),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // best effort
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const ch = clickhouseFor(env);
  await ch
    .server()
    .command(`DROP DATABASE IF EXISTS ${identifier(env.CLICKHOUSE_DATABASE).text}`)
    .catch(() => undefined);
  await ch.close();
}
