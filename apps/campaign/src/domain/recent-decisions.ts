import { pairKey } from './decide';
import type { PriorDecision } from './frequency-cap';

/**
 * The consumer's own recent decisions, per campaign and profile, in a bounded LRU: merged into
 * what ClickHouse answers, so a batch sees the decisions of the batches just before it even
 * when they are still being written, and repeats are caught without a query.
 */
export class RecentDecisions {
  private readonly byPair = new Map<string, PriorDecision[]>();
  private readonly ids = new Set<string>();
  private entries = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries;
  }

  hasDelivery(deliveryId: string): boolean {
    return this.ids.has(deliveryId);
  }

  record(campaignId: string, profileId: string, decision: PriorDecision): void {
    if (this.ids.has(decision.deliveryId)) return;
    const key = pairKey(campaignId, profileId);
    const list = this.byPair.get(key) ?? [];
    this.byPair.delete(key);
    list.push(decision);
    this.byPair.set(key, list);
    this.ids.add(decision.deliveryId);
    this.entries += 1;
    while (this.entries > this.capacity) {
      const oldest = this.byPair.entries().next();
      if (oldest.done) break;
      const [oldestKey, decisions] = oldest.value;
      this.byPair.delete(oldestKey);
      for (const d of decisions) this.ids.delete(d.deliveryId);
      this.entries -= decisions.length;
    }
  }

  /** Adds what is remembered for each pair of `keys` to `prior` (union by delivery id). */
  mergeInto(prior: Map<string, PriorDecision[]>, keys: Iterable<string>): void {
    for (const key of keys) {
      const mine = this.byPair.get(key);
      if (!mine) continue;
      const list = prior.get(key) ?? [];
      const have = new Set(list.map((p) => p.deliveryId));
      for (const d of mine) if (!have.has(d.deliveryId)) list.push(d);
      prior.set(key, list);
    }
  }
}
