/**
 * Remembers the ids of the last `capacity` segment events (a bounded LRU), so that a consumer
 * can skip a transition delivered twice (Kafka is at least once; `id` is deterministic per
 * transition). Memory: about 100 bytes per remembered id plus the id itself.
 */
export class SegmentEventDeduper {
  private readonly ids = new Map<string, true>();

  constructor(readonly capacity = 10000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.ids.size;
  }

  /** True when `id` was remembered (and marks it as recently used). */
  has(id: string): boolean {
    if (!this.ids.has(id)) return false;
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  /** Remembers `id`, forgetting the least recently used id when full. */
  remember(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  /** True the first time an id is seen (and remembers it); false for a repeat. */
  firstTime(id: string): boolean {
    if (this.has(id)) return false;
    this.remember(id);
    return true;
  }

  forget(id: string): void {
    this.ids.delete(id);
  }
}
