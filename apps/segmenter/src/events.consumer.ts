import { errorText, sleep } from '@cdp/runtime';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { PartitionManager } from './partition-manager';
import type { ConsumedMessage, PartitionWorker } from './partition-worker';
import { SegmenterEnv } from './segmenter.env';
import { SegmenterMetrics } from './segmenter.metrics';

/**
 * The kafkajs adapter of `cdp.events` (consumer group SEGMENTER_GROUP_ID, eachBatch,
 * read_committed, no auto commit: offsets are committed inside each unit's transaction with
 * `sendOffsets`). A fetched batch (one partition) is split into chunks of
 * SEGMENTER_MAX_BATCH_SIZE; each chunk goes through the partition's serial queue. While
 * waiting (queue, ClickHouse retries, a partition load) the consumer keeps heartbeating. A
 * failed chunk is retried with backoff for as long as the partition is still ours; after a
 * failed transaction the partition is reloaded from Kafka first (the chunk may even turn out to
 * be committed already: its messages are then skipped).
 */
@Injectable()
export class EventsConsumer {
  private consumer: Consumer | undefined;
  private stopping = false;
  /** A heartbeat said the group is rebalancing: leave eachBatch so that kafkajs rejoins. */
  private rebalancing = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly env: SegmenterEnv,
    private readonly partitions: PartitionManager,
    private readonly metrics: SegmenterMetrics,
    private readonly logger: JsonLogger,
  ) {}

  async start(): Promise<void> {
    if (this.consumer || this.stopping) return;
    const env = this.env;
    const topic = this.kafka.settings.topics.events;
    const consumer = this.kafka.consumer({
      groupId: env.SEGMENTER_GROUP_ID,
      maxWaitTimeInMs: env.SEGMENTER_MAX_BATCH_WAIT_MS,
      minBytes: env.SEGMENTER_FETCH_MIN_BYTES,
      sessionTimeout: env.SEGMENTER_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3000, Math.floor(env.SEGMENTER_SESSION_TIMEOUT_MS / 5)),
      readUncommitted: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.rebalancing = false;
      this.partitions.onAssignment(e.payload.memberAssignment[topic] ?? [], e.payload.memberId);
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, (e) => {
      this.partitions.worker(e.payload.partition)?.fetchStarted();
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const lag = Number(e.payload.offsetLag);
      this.partitions
        .worker(e.payload.partition)
        ?.fetchEnded(lag <= 0, e.payload.lastOffset, e.payload.batchSize === 0);
      if (Number.isFinite(lag)) this.metrics.consumerLag.set({ partition: String(e.payload.partition) }, lag);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: env.SEGMENTER_PARTITIONS_CONCURRENCY,
        eachBatch: (payload) => this.handle(payload),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping) return;
      this.logger.error(
        { msg: 'events consumer crashed for good, starting a new one', err: errorText(event.payload.error) },
        'Segmenter',
      );
      this.consumer = undefined;
      void consumer.disconnect().catch(() => undefined);
      setTimeout(() => void this.start().catch(() => undefined), env.SEGMENTER_RETRY_BASE_MS).unref();
    });
    this.partitions.onReset = (partition, offset) => {
      consumer.seek({ topic, partition, offset: offset.toString() });
    };
    this.consumer = consumer;
    this.metrics.consuming.set(1);
    this.logger.log({ msg: 'consuming', topic, groupId: env.SEGMENTER_GROUP_ID }, 'Segmenter');
  }

  /** Stops fetching, lets the running chunks finish, disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) {
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
    }
    this.metrics.consuming.set(0);
  }

  /**
   * Submits the batch's chunks to the partition's worker and returns without waiting for their
   * commits (they are pipelined: the next fetch, the next snapshot loads and the running
   * commit overlap); at most SEGMENTER_MAX_PENDING_CHUNKS wait per partition. kafkajs's
   * position moves on (resolveOffset); what is committed is decided by the transactions. A batch
   * fetched before a seek (stale) or while the partition is being reset is skipped.
   */
  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const partition = batch.partition;
    const running = (): boolean =>
      payload.isRunning() &&
      !payload.isStale() &&
      !this.stopping &&
      !this.rebalancing &&
      this.partitions.isAssigned(partition) &&
      !this.partitions.isResetting(partition);
    if (!running()) return;
    let worker: PartitionWorker;
    try {
      worker = await this.whileHeartbeating(payload, this.partitions.acquire(partition));
    } catch (e) {
      this.logger.warn(
        { msg: 'partition not available, batch skipped', partition, err: errorText(e) },
        'Segmenter',
      );
      await sleep(this.env.SEGMENTER_RETRY_BASE_MS);
      if (running()) payload.heartbeat().catch(() => undefined);
      // not resolved: fetched again
      return;
    }
    const messages: ConsumedMessage[] = batch.messages.map((m) => ({ offset: m.offset, value: m.value }));
    const size = this.env.SEGMENTER_MAX_BATCH_SIZE;
    for (let i = 0; i < messages.length; i += size) {
      const chunk = messages.slice(i, i + size);
      await this.whileHeartbeating(payload, worker.pendingBelow(this.env.SEGMENTER_MAX_PENDING_CHUNKS)).catch(
        () => undefined,
      );
      if (!running() || worker.isClosed) return;
      const w = worker;
      const last = i + size >= messages.length;
      // the last chunk commits past what trails the batch's messages (a transaction's marker)
      const batchEnd = last ? (BigInt(batch.lastOffset()) + 1n).toString() : undefined;
      w.submitEvents(chunk, batchEnd).catch((e: unknown) => this.partitions.failed(partition, w, e));
      payload.resolveOffset(last ? batch.lastOffset() : chunk[chunk.length - 1].offset);
    }
    await payload.heartbeat().catch(() => undefined);
  }

  /**
   * Awaits `work`, heartbeating every second meanwhile. When a heartbeat reports a rebalance the
   * wait ends with an error (the work itself carries on in the partition's queue; if the
   * partition moves, the new owner's producer fences its transaction).
   */
  private whileHeartbeating<T>(payload: EachBatchPayload, work: Promise<T>): Promise<T> {
    work.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const timer = setInterval(() => {
        payload.heartbeat().catch((e: unknown) => {
          if (!/rebalanc/i.test(errorText(e))) return;
          this.rebalancing = true;
          clearInterval(timer);
          reject(e instanceof Error ? e : new Error(errorText(e)));
        });
      }, 1000);
      work.then(
        (v) => {
          clearInterval(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearInterval(timer);
          reject(e instanceof Error ? e : new Error(errorText(e)));
        },
      );
    });
  }
}
