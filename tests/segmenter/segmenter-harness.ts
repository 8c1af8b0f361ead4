import { randomBytes } from 'node:crypto';
import type { Rule } from '@cdp/domain';
import type { SegmentDefinition, SegmentEvent } from '@cdp/domain/segments';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { SegmentDefinitionsPublisher } from '../../apps/segmenter/src/definitions/segment-definitions.publisher';
import { ingestEnv, metric } from '../support/ingest-harness';
import { ServiceProcess } from '../support/service-process';
import { eventually, freePort } from '../support/test-env';

/**
 * Environment of a segmenter (and the ingest feeding it) isolated on the suite's topics and
 * database, with a short session timeout (a killed instance's partitions move quickly), a fast
 * scheduler and short retries.
 */
export function segmenterEnv(suffix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...ingestEnv(suffix),
    INGEST_MAX_BATCH_WAIT_MS: '20',
    SEGMENTER_GROUP_ID: `t.${suffix}.segmenter`,
    SEGMENTER_TRANSACTIONAL_ID_PREFIX: `t.${suffix}`,
    SEGMENTER_SESSION_TIMEOUT_MS: '6000',
    SEGMENTER_TIMER_INTERVAL_MS: '100',
    SEGMENTER_TIME_GRACE_MS: '300',
    SEGMENTER_RETRY_BASE_MS: '100',
    SEGMENTER_RETRY_MAX_MS: '1000',
    LOG_LEVEL: process.env.SEGMENTER_E2E_LOG_LEVEL ?? 'log',
    ...extra,
  };
}

/** Starts the built segmenter and waits until it is ready and consuming. */
export async function startSegmenter(env: Record<string, string>): Promise<ServiceProcess> {
  const svc = new ServiceProcess('segmenter', await freePort(), env);
  await svc.waitForStatus('/health/ready', 200, 60000);
  await eventually(
    async () => (await metric(svc, 'cdp_segmenter_consuming')) === 1,
    60000,
    `segmenter to consume; output:\n${svc.output()}`,
  );
  return svc;
}

/** A segment definition as the api would store it (version 1, active, created now unless told). */
export function definition(
  id: string,
  rule: Rule,
  extra: Partial<Omit<SegmentDefinition, 'id' | 'rule'>> = {},
): SegmentDefinition {
  const now = new Date().toISOString();
  return {
    id,
    name: id,
    status: 'active',
    version: 1,
    rule,
    createdAt: extra.updatedAt ?? now,
    updatedAt: now,
    ...extra,
  };
}

export function definitionsPublisher(env: Record<string, string>): SegmentDefinitionsPublisher {
  const kafka = new Kafka({
    clientId: `e2e-defs-${randomBytes(3).toString('hex')}`,
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  return new SegmentDefinitionsPublisher(kafka, env.TOPIC_SEGMENTS);
}

/** One segment event read back (read_committed), with where it was. */
export interface ReadSegmentEvent {
  event: SegmentEvent;
  key: string | null;
  partition: number;
  offset: string;
  sequence: number;
}

/** Reads `cdp.segment-events` from the beginning with read_committed (own group). */
export class SegmentEventsReader {
  readonly events: ReadSegmentEvent[] = [];
  private readonly consumer: Consumer;

  constructor(
    private readonly topic: string,
    brokers: string,
  ) {
    const kafka = new Kafka({
      clientId: `e2e-seg-${randomBytes(3).toString('hex')}`,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.consumer = kafka.consumer({
      groupId: `e2e-seg-reader-${randomBytes(4).toString('hex')}`,
      maxWaitTimeInMs: 50,
      readUncommitted: false,
    });
  }

  async start(): Promise<void> {
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message, partition }) => {
        this.events.push({
          event: JSON.parse(message.value?.toString('utf8') ?? 'null') as SegmentEvent,
          key: message.key?.toString('utf8') ?? null,
          partition,
          offset: message.offset,
          sequence: Number(message.headers?.['cdp-sequence']?.toString() ?? '0'),
        });
      },
    });
    await eventually(async () => joined, 30000, `a reader of ${this.topic} to join`);
  }

  matching(match: (e: SegmentEvent) => boolean): SegmentEvent[] {
    return this.events.map((r) => r.event).filter(match);
  }

  async waitFor(match: (e: SegmentEvent) => boolean, count = 1, timeoutMs = 30000): Promise<SegmentEvent[]> {
    await eventually(
      async () => this.matching(match).length >= count,
      timeoutMs,
      `${count} segment event(s) (have ${this.matching(match).length}; all: ${this.events
        .map((r) => brief(r.event))
        .join(', ')})`,
    );
    return this.matching(match);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** `p-… +segment event:e1` (one line per transition, for readable assertions). */
export function brief(e: SegmentEvent): string {
  return `${e.profileId} ${e.type === 'segment.entered' ? '+' : '-'}${e.segment.id}@v${e.segment.version} ${e.cause.kind}${e.cause.eventId ? `:${e.cause.eventId}` : ''}`;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
