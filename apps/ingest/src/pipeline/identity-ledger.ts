import type { ApplyOutcome, IdentityConflict, LinkFact } from '@cdp/domain';
import type { MergeRecord } from './identity-rows';

/** What applying facts produced that still has to be written and published. */
export interface IdentityOutcomes {
  /** Flattened `profile_merges` rows: every absorbed id -> its survivor now (one per absorbed id). */
  mergeRows: MergeRecord[];
  /** The merges as the graph reported them, for `identity.merged` events on cdp.events. */
  notices: MergeRecord[];
  conflicts: IdentityConflict[];
}

export const isEmptyOutcome = (o: IdentityOutcomes): boolean =>
  o.mergeRows.length === 0 && o.notices.length === 0 && o.conflicts.length === 0;

/**
 * Bookkeeping of the identity graph's merges and conflicts for one ingest process.
 *
 * - Flattening: the graph reports "A absorbed into C"; every id that had been absorbed into A
 *   before (B) now belongs to C as well, so the rows to write are A -> C and B -> C (with a higher
 *   version than the earlier B -> A, see profileVersion). Absorbed ids are kept per survivor and
 *   moved small-to-large, so the bookkeeping is O(n log n) over all merges.
 * - Pending: merges and conflicts of live facts (own or read from the links topic) wait here until a
 *   raw batch or the periodic flush writes and publishes them; a failed write puts them back.
 * - Loading: facts replayed at start-up only update the bookkeeping; what ClickHouse misses of it is
 *   found by reconciliation (`allMerges`, `allConflicts`) and enqueued.
 */
export class IdentityLedger {
  private readonly absorbedInto = new Map<string, string[]>();
  private readonly latest = new Map<string, MergeRecord>();
  private readonly conflicts = new Map<string, IdentityConflict>();
  private pendingRows = new Map<string, MergeRecord>();
  private pendingNotices: MergeRecord[] = [];
  private pendingConflicts = new Map<string, IdentityConflict>();

  /** Records what applying `fact` did; `live` facts are also queued for writing. */
  record(outcome: ApplyOutcome, fact: LinkFact, live: boolean): void {
    for (const merge of outcome.merges) {
      const moved = this.absorbedInto.get(merge.absorbed) ?? [];
      this.absorbedInto.delete(merge.absorbed);
      const affected = [merge.absorbed, ...moved];
      const existing = this.absorbedInto.get(merge.survivor);
      let into: string[];
      if (existing === undefined) {
        into = [...affected];
      } else if (existing.length >= affected.length) {
        into = existing;
        for (const id of affected) into.push(id);
      } else {
        into = [...affected];
        for (const id of existing) into.push(id);
      }
      this.absorbedInto.set(merge.survivor, into);
      for (const absorbedId of affected) {
        const row: MergeRecord = {
          absorbedId,
          survivorId: merge.survivor,
          eventId: fact.eventId,
          occurredAt: fact.occurredAt,
        };
        this.latest.set(absorbedId, row);
        if (live) this.pendingRows.set(absorbedId, row);
      }
      if (live) {
        this.pendingNotices.push({
          absorbedId: merge.absorbed,
          survivorId: merge.survivor,
          eventId: merge.via,
          occurredAt: fact.occurredAt,
        });
      }
    }
    for (const conflict of outcome.conflicts) {
      this.conflicts.set(conflict.eventId, conflict);
      if (live) this.pendingConflicts.set(conflict.eventId, conflict);
    }
  }

  get pendingCount(): number {
    return this.pendingRows.size + this.pendingNotices.length + this.pendingConflicts.size;
  }

  /** Takes everything pending (the caller writes it, or gives it back with `requeue`). */
  drain(): IdentityOutcomes {
    const out: IdentityOutcomes = {
      mergeRows: [...this.pendingRows.values()],
      notices: this.pendingNotices,
      conflicts: [...this.pendingConflicts.values()],
    };
    this.pendingRows = new Map();
    this.pendingNotices = [];
    this.pendingConflicts = new Map();
    return out;
  }

  /** Gives back outcomes whose writing failed (rows as they are now: the latest survivor wins). */
  requeue(outcomes: IdentityOutcomes): void {
    for (const row of outcomes.mergeRows) {
      if (this.pendingRows.has(row.absorbedId)) continue;
      this.pendingRows.set(row.absorbedId, this.latest.get(row.absorbedId) ?? row);
    }
    this.pendingNotices = [...outcomes.notices, ...this.pendingNotices];
    for (const c of outcomes.conflicts) {
      if (!this.pendingConflicts.has(c.eventId)) this.pendingConflicts.set(c.eventId, c);
    }
  }

  /** Queues rows found missing in ClickHouse (reconciliation): written and announced like live ones. */
  enqueue(mergeRows: readonly MergeRecord[], conflicts: readonly IdentityConflict[]): void {
    for (const row of mergeRows) {
      this.pendingRows.set(row.absorbedId, row);
      this.pendingNotices.push(row);
    }
    for (const c of conflicts) this.pendingConflicts.set(c.eventId, c);
  }

  /** Every absorbed id with its survivor now (flattened), for reconciliation. */
  allMerges(): MergeRecord[] {
    return [...this.latest.values()];
  }

  /** Every conflict recorded, one per event id. */
  allConflicts(): IdentityConflict[] {
    return [...this.conflicts.values()];
  }

  /** Ids absorbed into `survivorId` so far (tests, diagnostics). */
  absorbedIdsOf(survivorId: string): string[] {
    return [...(this.absorbedInto.get(survivorId) ?? [])];
  }
}
