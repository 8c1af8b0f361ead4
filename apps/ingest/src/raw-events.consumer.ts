import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Batch, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { IngestBatchUseCase, type BatchControl } from './ingest-batch.use-case';
import { IngestEnv } from './ingest.env';
import { IngestMetrics } from './ingest.metrics';
import { AbandonedError, errorText } from '@cdp/runtime';
import { chunk } from './pipeline/batching';
import { RoundGatherer, type RoundMember } from './pipeline/round-gatherer';
import { nextOffset, rawTopicSources, type RawMessage } from './pipeline/raw-message';

export function toRawMessage(topic: string, partition: number, m: KafkaMessage): RawMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    timestamp: m.timestamp,
    headers: m.headers,
  };
}

/**
 * Thin adapter from the four raw topics (consumer group INGEST_GROUP_ID, eachBatch, no auto
 * commit, no auto resolve) to IngestBatchUseCase. A kafkajs batch (one partition) is split into
 * chunks of INGEST_MAX_BATCH_SIZE; the chunks handed over together (the partitions of one fetch,
 * up to INGEST_PARTITIONS_CONCURRENCY) go to the use case as one round (RoundGatherer), and each
 * chunk's offset is resolved and committed only after its round was written and published. A
 * chunk given up (stopping, partition reassigned) is neither resolved nor committed, so it is
 * delivered again.
 */
@Injectable()
export class RawEventsConsumer {
  private consumer: Consumer | undefined;
  private readonly abort = new AbortController();
  private stopping = false;
  private readonly rounds: RoundGatherer<RawMessage, BatchControl>;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly env: IngestEnv,
    private readonly useCase: IngestBatchUseCase,
    private readonly metrics: IngestMetrics,
    private readonly logger: JsonLogger,
  ) {
    this.rounds = new RoundGatherer(
      (members) => this.runRound(members),
      env.INGEST_MAX_BATCH_SIZE * env.INGEST_PARTITIONS_CONCURRENCY,
    );
  }

  get topics(): string[] {
    return [...rawTopicSources(this.kafka.settings.topics).keys()];
  }

  async start(): Promise<void> {
    if (this.consumer || this.stopping) return;
    const consumer = this.kafka.consumer({
      groupId: this.env.INGEST_GROUP_ID,
      maxWaitTimeInMs: this.env.INGEST_MAX_BATCH_WAIT_MS,
      minBytes: this.env.INGEST_FETCH_MIN_BYTES,
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.env.INGEST_PARTITIONS_CONCURRENCY,
        eachBatch: (payload) => this.handle(payload),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping) return;
      this.logger.error(
        { msg: 'raw consumer crashed for good, starting a new one', err: errorText(event.payload.error) },
        'Ingest',
      );
      this.consumer = undefined;
      void consumer.disconnect().catch(() => undefined);
      this.restart(1);
    });
    this.consumer = consumer;
    this.metrics.consuming.set(1);
    this.logger.log(
      { msg: 'consuming raw topics', topics: this.topics, groupId: this.env.INGEST_GROUP_ID },
      'Ingest',
    );
  }

  /** Stops fetching, lets the running batch finish and commit (or give up if it is retrying), disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) {
      // a healthy batch gets a moment to finish and commit; waits and retry sleeps are cut after it
      const grace = setTimeout(() => this.abort.abort(), Math.min(2000, this.env.SHUTDOWN_TIMEOUT_MS / 4));
      await consumer.stop();
      clearTimeout(grace);
      await consumer.disconnect();
    }
    this.abort.abort();
    this.metrics.consuming.set(0);
  }

  private restart(attempt: number): void {
    if (this.stopping) return;
    const delay = Math.min(this.env.INGEST_RETRY_BASE_MS * 2 ** (attempt - 1), this.env.INGEST_RETRY_MAX_MS);
    setTimeout(() => {
      this.start().catch((e: unknown) => {
        this.logger.warn({ msg: 'raw consumer restart failed', err: errorText(e) }, 'Ingest');
        this.restart(attempt + 1);
      });
    }, delay).unref();
  }

  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const control: BatchControl = {
      signal: this.abort.signal,
      shouldContinue: () => payload.isRunning() && !payload.isStale() && !this.abort.signal.aborted,
      heartbeat: () => payload.heartbeat(),
    };
    const messages = batch.messages.map((m) => toRawMessage(batch.topic, batch.partition, m));
    for (const part of chunk(messages, this.env.INGEST_MAX_BATCH_SIZE)) {
      if (!control.shouldContinue()) return;
      try {
        await this.rounds.join(part, control);
      } catch (e) {
        if (e instanceof AbandonedError && !payload.isRunning()) {
          this.logger.warn(
            { msg: 'batch given up at shutdown, it will be redelivered', ...this.where(batch, part) },
            'Ingest',
          );
          return;
        }
        throw e;
      }
      const last = part[part.length - 1];
      payload.resolveOffset(last.offset);
      await payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: nextOffset(last.offset) }],
          },
        ],
      });
      await payload.heartbeat();
    }
    const lag = Number(batch.offsetLag());
    if (Number.isFinite(lag))
      this.metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, lag);
  }

  /** One round: the chunks of several partitions written as one batch; it goes on while any of them may. */
  private async runRound(members: readonly RoundMember<RawMessage, BatchControl>[]): Promise<void> {
    const controls = members.map((m) => m.context);
    await this.useCase.process(
      members.flatMap((m) => m.items),
      {
        signal: this.abort.signal,
        shouldContinue: () => controls.some((c) => c.shouldContinue()),
        // one consumer: one member's heartbeat is the group's
        heartbeat: () => (controls.find((c) => c.shouldContinue()) ?? controls[0]).heartbeat(),
      },
    );
  }

  private where(batch: Batch, part: readonly RawMessage[]): Record<string, unknown> {
    return {
      topic: batch.topic,
      partition: batch.partition,
      from: part[0]?.offset,
      to: part[part.length - 1]?.offset,
    };
  }
}
