import { errorText } from '@cdp/runtime';
import { KafkaClient } from '@cdp/kafka';
import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { SegmentDefinitionsRegistry } from './definitions/segment-definitions.registry';
import { PartitionWorker, type WorkerDeps } from './partition-worker';
import { SegmenterClock } from './segmenter.clock';
import { SegmenterEnv } from './segmenter.env';
import { SegmenterMetrics } from './segmenter.metrics';
import { SnapshotRepository } from './snapshot.repository';

/**
 * The partitions of `cdp.events` this instance owns, each with its PartitionWorker, opened
 * lazily (on the first batch, or right after an assignment) and dropped on revocation or
 * after a failed transaction. Also runs the scheduler: every SEGMENTER_TIMER_INTERVAL_MS, a
 * caught-up partition whose earliest scheduled boundary is due gets a scheduler round, and a
 * partition whose definitions changed gets its reconciliation, both through the partition's
 * serial queue (so they never interleave with its batches).
 */
@Injectable()
export class PartitionManager {
  private readonly workers = new Map<number, PartitionWorker>();
  private readonly opening = new Map<number, Promise<PartitionWorker>>();
  private assigned = new Set<number>();
  /** The member id of the latest group join (see onAssignment). */
  private memberId: string | undefined;
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<number>();
  private readonly resetting = new Map<number, Promise<void>>();
  private partitions = 0;
  private stopping = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly env: SegmenterEnv,
    private readonly registry: SegmentDefinitionsRegistry,
    private readonly snapshots: SnapshotRepository,
    private readonly metrics: SegmenterMetrics,
    private readonly clock: SegmenterClock,
    private readonly logger: JsonLogger,
  ) {
    registry.onChange(() => this.kick());
  }

  /** Connects the admin client and learns the partition count of the events topic. */
  async start(partitions: number): Promise<void> {
    this.partitions = partitions;
    if (!this.admin) {
      const admin = this.kafka.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    this.timer ??= setInterval(() => this.tick(), this.env.SEGMENTER_TIMER_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.opening.values(), ...this.resetting.values()]);
    await Promise.allSettled([...this.workers.values()].map((w) => w.drain()));
    this.workers.clear();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  /**
   * The consumer group gave this instance `partitions`: drop the others, open the new ones.
   * Joined under another member id than before, the instance had lost its membership (its
   * session expired: it was paused, or cut off): another member may have processed its
   * partitions meanwhile, so every partition it still holds is dropped and reloaded from Kafka
   * (committed offset, state topic), as for a fresh assignment, instead of carrying on with
   * what it had in memory until a fenced transaction tells it.
   */
  onAssignment(partitions: readonly number[], memberId?: string): void {
    const next = new Set(partitions);
    const lost = memberId !== undefined && this.memberId !== undefined && memberId !== this.memberId;
    if (memberId !== undefined) this.memberId = memberId;
    for (const p of this.assigned) {
      if (!next.has(p)) void this.drop(p, 'revoked');
    }
    this.assigned = next;
    if (lost) {
      for (const p of next) {
        if (this.workers.has(p) && !this.resetting.has(p)) {
          this.logger.warn(
            { msg: 'partition reset', partition: p, err: 'group membership lost' },
            'Segmenter',
          );
          this.reload(p, 'membership_lost');
        }
      }
    }
    this.logger.log({ msg: 'partitions assigned', partitions: [...next].sort((a, b) => a - b) }, 'Segmenter');
    for (const p of next) void this.acquire(p).catch(() => undefined);
  }

  isAssigned(partition: number): boolean {
    return this.assigned.has(partition);
  }

  worker(partition: number): PartitionWorker | undefined {
    const w = this.workers.get(partition);
    return w && !w.isClosed ? w : undefined;
  }

  /** The partition's worker, opened if needed. */
  acquire(partition: number): Promise<PartitionWorker> {
    const existing = this.worker(partition);
    if (existing) return Promise.resolve(existing);
    let opening = this.opening.get(partition);
    if (opening === undefined) {
      opening = PartitionWorker.open(this.deps(), partition).then(
        (w) => {
          this.opening.delete(partition);
          if (this.stopping || !this.assigned.has(partition)) {
            void w.close();
            throw new Error(`partition ${partition} is no longer assigned`);
          }
          this.workers.set(partition, w);
          this.metrics.partitionsOwned.set(this.workers.size);
          this.kick();
          return w;
        },
        (e: unknown) => {
          this.opening.delete(partition);
          this.logger.warn({ msg: 'opening a partition failed', partition, err: errorText(e) }, 'Segmenter');
          throw e;
        },
      );
      this.opening.set(partition, opening);
    }
    return opening;
  }

  /** Drops the partition's in-memory state (reloaded from Kafka on the next acquire). */
  async drop(partition: number, reason: string): Promise<void> {
    const w = this.workers.get(partition);
    this.workers.delete(partition);
    this.metrics.partitionsOwned.set(this.workers.size);
    if (w) {
      if (reason !== 'revoked') this.metrics.partitionResets.inc({ reason });
      this.logger.log({ msg: 'partition dropped', partition, reason }, 'Segmenter');
      await w.close();
    }
  }

  /** Runs the scheduler and pending reconciliations soon (after a definition change or a load). */
  kick(): void {
    setImmediate(() => this.tick());
  }

  private tick(): void {
    if (this.stopping) return;
    for (const [p, w] of this.workers) {
      w.reportScheduler();
      if (this.busy.has(p) || w.isClosed) continue;
      const earliest = w.earliestScheduled();
      const now = this.clock.now();
      const grace = this.env.SEGMENTER_TIME_GRACE_MS;
      const due = earliest !== undefined && earliest <= now - grace && w.idleFor(now) >= grace;
      if (!due && this.registry.generation === w.reconciledAt) continue;
      this.busy.add(p);
      w.enqueue(async () => {
        await w.reconcile();
        // several rounds when many profiles are due at once, while the partition stays quiet
        while (!this.stopping && w.idleFor(this.clock.now()) >= grace && (await w.processDue()) > 0);
      })
        .catch((e: unknown) => this.failed(p, w, e))
        .finally(() => this.busy.delete(p));
    }
  }

  /**
   * A unit of work of `w` failed. Scheduler and definition work is retried on the next tick. A
   * failed transaction (or work lost in a closed worker) resets the partition: the worker is
   * dropped, a new one reloads the committed offset and the state from Kafka, and the consumer
   * is sought back to that offset (chunks submitted after the failed one were never committed).
   */
  failed(partition: number, w: PartitionWorker, e: unknown): void {
    const reset = e instanceof Error && e.name === 'PartitionResetError';
    const lost = w.isClosed && this.assigned.has(partition) && !this.stopping;
    if (!reset && !lost) {
      this.logger.warn({ msg: 'partition work failed', partition, err: errorText(e) }, 'Segmenter');
      return;
    }
    if (this.resetting.has(partition) || (this.workers.get(partition) !== w && this.workers.has(partition)))
      return;
    this.logger.warn({ msg: 'partition reset', partition, err: errorText(e) }, 'Segmenter');
    this.reload(partition, reset ? 'transaction_failed' : 'work_lost');
  }

  /** Drops the partition's worker, opens a new one from Kafka and seeks the consumer to its offset. */
  private reload(partition: number, reason: string): void {
    const done = (async () => {
      await this.drop(partition, reason);
      for (let attempt = 1; this.assigned.has(partition) && !this.stopping; attempt++) {
        try {
          const fresh = await this.acquire(partition);
          await this.onReset?.(partition, fresh.nextOffset);
          return;
        } catch (err) {
          this.logger.warn(
            { msg: 'reloading a partition failed', partition, attempt, err: errorText(err) },
            'Segmenter',
          );
          await new Promise((r) =>
            setTimeout(
              r,
              Math.min(this.env.SEGMENTER_RETRY_BASE_MS * 2 ** attempt, this.env.SEGMENTER_RETRY_MAX_MS),
            ),
          );
        }
      }
    })().finally(() => this.resetting.delete(partition));
    this.resetting.set(partition, done);
  }

  /** Set by the consumer: seeks the partition back to `offset` after a reset. */
  onReset: ((partition: number, offset: bigint) => Promise<void> | void) | undefined;

  /** True while the partition is being reset: batches fetched for it are skipped (the consumer seeks back). */
  isResetting(partition: number): boolean {
    return this.resetting.has(partition);
  }

  private deps(): WorkerDeps {
    const env = this.env;
    const topics = this.kafka.settings.topics;
    if (!this.admin) throw new Error('partition manager not started');
    return {
      kafka: this.kafka.kafka,
      admin: this.admin,
      eventsTopic: topics.events,
      stateTopic: topics.segmentState,
      segmentEventsTopic: topics.segmentEvents,
      groupId: env.SEGMENTER_GROUP_ID,
      transactionalIdPrefix: env.SEGMENTER_TRANSACTIONAL_ID_PREFIX,
      transactionTimeoutMs: env.SEGMENTER_TRANSACTION_TIMEOUT_MS,
      graceMs: env.SEGMENTER_TIME_GRACE_MS,
      backfillChunkSize: env.SEGMENTER_BACKFILL_CHUNK_SIZE,
      maxUnitMessages: env.SEGMENTER_MAX_BATCH_SIZE,
      historyProfiles: env.SEGMENTER_HISTORY_CACHE_PROFILES,
      retryBaseMs: env.SEGMENTER_RETRY_BASE_MS,
      retryMaxMs: env.SEGMENTER_RETRY_MAX_MS,
      backfillSql: env.SEGMENTER_BACKFILL_SQL,
      defaultExitOnArchive: env.SEGMENTER_EXIT_ON_ARCHIVE,
      lookbackCapMs:
        env.SEGMENTER_EVENT_LOOKBACK_DAYS > 0 ? env.SEGMENTER_EVENT_LOOKBACK_DAYS * 86_400_000 : null,
      engine: { traitsConfig: env.traitsConfig(), maxCatchUpSteps: env.SEGMENTER_MAX_CATCH_UP_STEPS },
      partitions: this.partitions,
      snapshots: this.snapshots,
      registry: this.registry,
      metrics: this.metrics,
      logger: this.logger,
      now: () => this.clock.now(),
    };
  }
}
