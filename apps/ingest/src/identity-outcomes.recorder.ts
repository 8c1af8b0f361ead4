import { JsonLogger } from '@cdp/observability';
import { Injectable } from '@nestjs/common';
import { CanonicalEventsPublisher } from './canonical-events.publisher';
import { IdentityLinksStore } from './identity-links.store';
import { IdentityRepository } from './identity.repository';
import { IngestEnv } from './ingest.env';
import { backoffDelay, errorText } from '@cdp/runtime';
import { isEmptyOutcome } from './pipeline/identity-ledger';
import { identityConflictRow, profileMergeRow } from './pipeline/identity-rows';

/**
 * Writes and publishes the merges and conflicts that no raw batch of this instance took along:
 * those found while applying other instances' facts from the links topic (periodically, every
 * INGEST_IDENTITY_FLUSH_MS), and at start-up those of the replayed graph that ClickHouse does not
 * have (`reconcile`: e.g. an instance died between publishing a fact and writing its merge).
 * Writes are idempotent (profile_merges versions derive from the survivor id), and a merge found
 * by several instances is published by each: consumers of cdp.events treat `identity.merged` as
 * idempotent per (absorbedId, survivorId).
 */
@Injectable()
export class IdentityOutcomesRecorder {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly links: IdentityLinksStore,
    private readonly identity: IdentityRepository,
    private readonly publisher: CanonicalEventsPublisher,
    private readonly env: IngestEnv,
    private readonly logger: JsonLogger,
  ) {}

  /** Queues every merge and conflict of the loaded graph that ClickHouse is missing. */
  async reconcile(): Promise<{ merges: number; conflicts: number }> {
    const merges = this.links.ledger.allMerges();
    const recorded = await this.identity.recordedSurvivors(merges.map((m) => m.absorbedId));
    const missingMerges = merges.filter((m) => {
      const survivor = recorded.get(m.absorbedId);
      return survivor === undefined || survivor > m.survivorId;
    });
    const conflicts = this.links.ledger.allConflicts();
    const recordedConflicts = await this.identity.recordedConflicts(conflicts.map((c) => c.eventId));
    const missingConflicts = conflicts.filter((c) => !recordedConflicts.has(c.eventId));
    this.links.ledger.enqueue(missingMerges, missingConflicts);
    this.links.updateGraphMetrics();
    const result = { merges: missingMerges.length, conflicts: missingConflicts.length };
    if (result.merges + result.conflicts > 0) {
      this.logger.log(
        { msg: 'identity outcomes missing in ClickHouse queued', ...result },
        'IdentityOutcomes',
      );
    }
    return result;
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.env.INGEST_IDENTITY_FLUSH_MS);
  }

  /** Writes and publishes what is pending; on failure it stays pending. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flushing?.catch(() => undefined);
  }

  private async flushOnce(): Promise<void> {
    const outcomes = this.links.ledger.drain();
    if (isEmptyOutcome(outcomes)) return;
    try {
      await this.identity.insertMerges(outcomes.mergeRows.map(profileMergeRow));
      const now = Date.now();
      await this.identity.insertConflicts(outcomes.conflicts.map((c) => identityConflictRow(c, now)));
      await this.publisher.publish([], outcomes.notices);
    } catch (e) {
      this.links.ledger.requeue(outcomes);
      throw e;
    } finally {
      this.links.updateGraphMetrics();
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.flush();
      this.failures = 0;
    } catch (e) {
      this.failures += 1;
      this.logger.warn(
        { msg: 'writing identity outcomes failed, will retry', attempt: this.failures, err: errorText(e) },
        'IdentityOutcomes',
      );
    }
    this.schedule(
      this.failures === 0
        ? this.env.INGEST_IDENTITY_FLUSH_MS
        : backoffDelay(this.failures, this.env.INGEST_RETRY_BASE_MS, this.env.INGEST_RETRY_MAX_MS),
    );
  }
}
