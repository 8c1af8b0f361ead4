/** One scheduled instant: re-evaluate `key` at `at` (epoch ms). */
export interface HeapEntry {
  at: number;
  key: string;
}

/**
 * Binary min-heap of scheduled instants (ties broken by key, so that the order is
 * deterministic). Stale entries are not removed in place: the owner checks an entry against
 * its current state when it pops it (lazy deletion) and calls `compact` when too many
 * accumulated.
 */
export class MinHeap {
  private items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(entry: HeapEntry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  peek(): HeapEntry | undefined {
    return this.items[0];
  }

  pop(): HeapEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < items.length && before(items[l], items[smallest])) smallest = l;
      if (r < items.length && before(items[r], items[smallest])) smallest = r;
      if (smallest === i) break;
      [items[i], items[smallest]] = [items[smallest], items[i]];
      i = smallest;
    }
    return top;
  }

  /** Keeps only the entries `keep` accepts (rebuilds the heap in O(n)). */
  compact(keep: (entry: HeapEntry) => boolean): void {
    const rest = this.items.filter(keep);
    this.items = [];
    rest.sort((a, b) => (before(a, b) ? -1 : 1));
    // a sorted array is a valid heap
    this.items = rest;
  }

  clear(): void {
    this.items = [];
  }
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.key < b.key);
}
