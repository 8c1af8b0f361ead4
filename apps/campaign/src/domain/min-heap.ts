/** A binary min-heap ordered by `priority` (the delivery worker's retry schedule per campaign). */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly priority: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.priority(items[parent]) <= this.priority(items[i])) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && this.priority(items[l]) < this.priority(items[smallest])) smallest = l;
        if (r < items.length && this.priority(items[r]) < this.priority(items[smallest])) smallest = r;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i], items[smallest]];
        i = smallest;
      }
    }
    return top;
  }

  /** Removes and returns every item matching `predicate`. */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed = this.items.filter(predicate);
    if (removed.length === 0) return removed;
    const kept = this.items.filter((item) => !predicate(item));
    this.items = [];
    for (const item of kept) this.push(item);
    return removed;
  }

  toArray(): T[] {
    return [...this.items];
  }
}
