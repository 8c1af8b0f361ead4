import { backoffDelay, errorText, sleep } from '@cdp/runtime';
import type { LoggerService } from '@nestjs/common';
import type { Consumer, ConsumerConfig, EachBatchPayload } from 'kafkajs';
import { eachCooperatively } from '../cooperative-loop';
import { transitionRow, type TransitionRow } from './segment-history.rows';

/** What the history consumer needs of its surroundings (the worker thread or the service). */
export interface SegmentHistoryConsumerDeps {
  consumer: (config: ConsumerConfig) => Consumer;
  insertRows: (rows: readonly TransitionRow[]) => Promise<void>;
  logger: LoggerService;
  /** Called after each insert with the rows it wrote. */
  onRows: (count: number) => void;
}

export interface SegmentHistoryConsumerOptions {
  groupId: string;
  topic: string;
  maxWaitTimeInMs: number;
  minBytes: number;
  sessionTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Appends every committed transition of `cdp.segment-events` to `segment_transitions`: a
 * read_committed consumer (group `<SEGMENTER_GROUP_ID>.history`) that commits its offsets after
 * the insert. At least once: a crash between insert and commit inserts again, and the
 * ReplacingMergeTree collapses the copy (same id, same sorting key); read with FINAL.
 */
export class SegmentHistoryConsumer {
  private consumer: Consumer | undefined;
  private stopping = false;

  constructor(
    private readonly deps: SegmentHistoryConsumerDeps,
    private readonly options: SegmentHistoryConsumerOptions,
  ) {}

  async start(): Promise<void> {
    if (this.consumer || this.stopping) return;
    const o = this.options;
    const consumer = this.deps.consumer({
      groupId: o.groupId,
      maxWaitTimeInMs: o.maxWaitTimeInMs,
      minBytes: o.minBytes,
      readUncommitted: false,
      // the events consumer starts after this one joins: a crashed instance's member must not
      // hold the restart up longer than the configured session (kafkajs's default is 30 s)
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(o.sessionTimeoutMs / 5)),
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
      await consumer.run({ eachBatchAutoResolve: false, eachBatch: (p) => this.handle(p) });
    } catch (e) {
      // leave no half-started member behind: the start-up retry creates a new one
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.consumer = consumer;
  }

  /** Stops consuming (the running batch finishes and commits) and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop().catch(() => undefined);
    await consumer?.disconnect().catch(() => undefined);
  }

  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const now = Date.now();
    const rows: TransitionRow[] = [];
    // a second of transitions at once: parsed in slices that give the event loop back to the
    // consumer's heartbeats (and, in-process, to the evaluation sharing the thread)
    await eachCooperatively(batch.messages, (m) => {
      const seq = Number(m.headers?.['cdp-sequence']?.toString() ?? '0');
      const row = m.value === null ? undefined : transitionRow(m.value.toString('utf8'), seq, now);
      if (row) rows.push(row);
    });
    for (let attempt = 1; rows.length > 0; attempt++) {
      try {
        await this.deps.insertRows(rows);
        this.deps.onRows(rows.length);
        break;
      } catch (e) {
        if (!payload.isRunning() || payload.isStale() || this.stopping) return;
        const delay = backoffDelay(attempt, this.options.retryBaseMs, this.options.retryMaxMs);
        this.deps.logger.warn(
          { msg: `history insert failed, retrying in ${delay} ms`, err: errorText(e) },
          'History',
        );
        await sleep(delay);
        await payload.heartbeat().catch(() => undefined);
      }
    }
    // up to the batch's last record, the transaction marker after the messages included: an
    // idle writer's committed offsets reach the end of the topic (the api's erasure waits on them)
    if (batch.messages.length > 0) payload.resolveOffset(batch.lastOffset());
  }
}
