import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type IHeaders, type KafkaConfig } from 'kafkajs';
import { parseSegmentEvent, type SegmentEventProblem } from './parse-segment-event';
import { SEGMENT_EVENTS_TOPIC, type SegmentEvent } from './segment-event';
import { SegmentEventDeduper } from './segment-event-deduper';
import { matchesFilter, type SegmentEventFilter } from './segment-event-filter';

/** Where a segment event came from, and a heartbeat for handlers that run long. */
export interface SegmentEventContext {
  topic: string;
  partition: number;
  offset: string;
  /** The message key: the profile id. */
  key: string | null;
  headers: IHeaders;
  /** Kafka timestamp (epoch ms as a string). */
  timestamp: string;
  /** Keeps the consumer's group membership alive; call it every few seconds in a long handler. */
  heartbeat(): Promise<void>;
}

/** A message on the topic that is not a valid segment event. */
export interface InvalidSegmentEventMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  problems: SegmentEventProblem[];
}

export interface SubscribeToSegmentEventsOptions {
  /** `host:port` list, as an array or comma-separated. */
  brokers: string | readonly string[];
  /** Your consumer group: instances sharing it split the partitions; offsets are committed for it. */
  groupId: string;
  /** Default `cdp.segment-events`. */
  topic?: string;
  /** Called once per (new, matching) segment event; the offset is committed after it resolves. */
  handler: (event: SegmentEvent, context: SegmentEventContext) => Promise<void> | void;
  /** Only events of these segments / this transition reach the handler (the rest are skipped). */
  filter?: SegmentEventFilter;
  /** Where a new group starts: the oldest retained message (default true) or only new ones. */
  fromBeginning?: boolean;
  /** Skips repeated transitions by id (default: a deduper remembering 10,000 ids); `false` turns it off. */
  dedupe?: SegmentEventDeduper | false;
  /** Called for a message that is not a valid segment event (default: one line on stderr); then it is skipped. */
  onInvalid?: (message: InvalidSegmentEventMessage) => Promise<void> | void;
  /** kafkajs client settings (ssl, sasl, logLevel, ...); `brokers` and `clientId` come from above. */
  kafka?: Omit<KafkaConfig, 'brokers'>;
  clientId?: string;
}

export interface SegmentEventSubscription {
  readonly topic: string;
  readonly groupId: string;
  /** Stops fetching, waits for the running handler, leaves the group and disconnects. */
  stop(): Promise<void>;
}

/** Skipped messages are committed at most this often per partition (handled ones at once). */
const SKIPPED_COMMIT_EVERY_MS = 1000;

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/**
 * Subscribes a plain Node.js handler to the segment events topic with kafkajs: read committed
 * (only messages of committed transactions), one message at a time per partition, and the
 * offset committed after the handler resolved, so a crash redelivers at most the message being
 * handled (at least once; the built-in deduper and the deterministic `id` absorb repeats). A
 * handler that throws is retried by kafkajs (with backoff) and holds its partition until it
 * succeeds: catch what you want to skip.
 *
 * Resolves once the consumer has joined its group and is fetching.
 */
export async function subscribeToSegmentEvents(
  options: SubscribeToSegmentEventsOptions,
): Promise<SegmentEventSubscription> {
  const topic = options.topic ?? SEGMENT_EVENTS_TOPIC;
  const brokers =
    typeof options.brokers === 'string'
      ? options.brokers.split(',').map((b) => b.trim())
      : [...options.brokers];
  const kafka = new Kafka({
    logLevel: logLevel.WARN,
    ...options.kafka,
    clientId: options.clientId ?? `segment-events-${randomBytes(3).toString('hex')}`,
    brokers,
  });
  const dedupe = options.dedupe === undefined ? new SegmentEventDeduper() : options.dedupe;
  const onInvalid =
    options.onInvalid ??
    ((m: InvalidSegmentEventMessage) => {
      process.stderr.write(
        `${JSON.stringify({ level: 'warn', msg: 'skipping an invalid segment event', topic: m.topic, partition: m.partition, offset: m.offset, problems: m.problems })}\n`,
      );
    });

  const consumer: Consumer = kafka.consumer({ groupId: options.groupId, readUncommitted: false });
  const lastCommit = new Map<number, number>();
  /** Next offsets of skipped messages not committed yet (committed with the next handled one, or at stop). */
  const uncommitted = new Map<number, string>();
  const commit = async (partition: number, offset: string, force: boolean): Promise<void> => {
    const now = Date.now();
    if (!force && now - (lastCommit.get(partition) ?? 0) < SKIPPED_COMMIT_EVERY_MS) {
      uncommitted.set(partition, nextOffset(offset));
      return;
    }
    await consumer.commitOffsets([{ topic, partition, offset: nextOffset(offset) }]);
    uncommitted.delete(partition);
    lastCommit.set(partition, now);
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async (payload) => {
        const { topic: from, partition, message } = payload;
        const parsed = parseSegmentEvent(message.value ?? 'null');
        if (!parsed.ok) {
          await onInvalid({
            topic: from,
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value: message.value,
            problems: parsed.problems,
          });
          return commit(partition, message.offset, false);
        }
        const event = parsed.event;
        if (!matchesFilter(event, options.filter) || (dedupe && dedupe.has(event.id))) {
          return commit(partition, message.offset, false);
        }
        await options.handler(event, {
          topic: from,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          headers: message.headers ?? {},
          timestamp: message.timestamp,
          heartbeat: () => payload.heartbeat(),
        });
        if (dedupe) dedupe.remember(event.id);
        await commit(partition, message.offset, true);
      },
    });
  } catch (e) {
    await consumer.disconnect().catch(() => undefined);
    throw e;
  }

  const stop = async (): Promise<void> => {
    const pending = [...uncommitted].map(([partition, offset]) => ({ topic, partition, offset }));
    if (pending.length > 0) await consumer.commitOffsets(pending).catch(() => undefined);
    await consumer.disconnect();
  };
  let stopping: Promise<void> | undefined;
  return { topic, groupId: options.groupId, stop: () => (stopping ??= stop()) };
}
