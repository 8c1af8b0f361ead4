import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AssignerProtocol,
  type Admin,
  type Consumer,
  type Kafka,
  type KafkaMessage,
  type PartitionAssigner,
} from 'kafkajs';

/** A partition assigner that gives the group's (only) member exactly `partitions` of `topic`. */
export function fixedPartitionsAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  return () => ({
    name: 'CdpFixedPartitions',
    version: 1,
    async assign({ members }) {
      return members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? { [topic]: [...partitions] } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'CdpFixedPartitions',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

export interface TailOptions {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  /** The partitions to read; all of them when absent. */
  partitions?: readonly number[];
  /** Prefix of the (unique, never committed) consumer group. */
  groupPrefix: string;
  maxWaitTimeInMs: number;
  /** Called in order for every message of a partition (committed data only: read_committed). */
  onMessage: (partition: number, message: KafkaMessage) => void;
}

/**
 * Reads partitions of a topic from the beginning with a consumer group of its own (random id,
 * never committed), read_committed, and keeps following them. `caughtUp` resolves once every
 * partition has been read up to the end offset it had when the tail started (a transaction
 * still open then is waited for: read_committed stops at the last stable offset).
 */
export class TopicTail {
  private consumer: Consumer | undefined;
  private resolveCaughtUp!: () => void;
  readonly caughtUp = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));

  constructor(private readonly options: TailOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    const offsets = await o.admin.fetchTopicOffsets(o.topic);
    const wanted = new Set(o.partitions ?? offsets.map((p) => p.partition));
    const pending = new Map<number, bigint>();
    for (const p of offsets) {
      if (!wanted.has(p.partition)) continue;
      const high = BigInt(p.high);
      if (high > BigInt(p.low)) pending.set(p.partition, high - 1n);
    }
    const check = (partition: number, offset: string | null): void => {
      const last = pending.get(partition);
      if (last !== undefined && offset !== null && BigInt(offset) >= last) pending.delete(partition);
      if (pending.size === 0) this.resolveCaughtUp();
    };
    check(-1, null);

    const groupId = `${o.groupPrefix}.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const consumer = o.kafka.consumer({
      groupId,
      maxWaitTimeInMs: o.maxWaitTimeInMs,
      ...(o.partitions === undefined
        ? {}
        : { partitionAssigners: [fixedPartitionsAssigner(o.topic, o.partitions)] }),
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.topic === o.topic) check(e.payload.partition, e.payload.lastOffset);
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        for (const m of payload.batch.messages) {
          o.onMessage(payload.batch.partition, m);
          payload.resolveOffset(m.offset);
        }
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }
}
