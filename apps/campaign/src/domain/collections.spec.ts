import { LruSet } from './lru-set';
import { MinHeap } from './min-heap';
import { RecentDecisions } from './recent-decisions';
import { pairKey } from './decide';
import type { PriorDecision } from './frequency-cap';

describe('MinHeap', () => {
  it('pops in priority order and removes by predicate', () => {
    const heap = new MinHeap<number>((x) => x);
    const values = Array.from({ length: 200 }, (_, i) => (i * 7919) % 1000);
    values.forEach((v) => heap.push(v));
    expect(heap.size).toBe(200);
    expect(heap.removeWhere((v) => v % 2 === 1).length).toBe(values.filter((v) => v % 2 === 1).length);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop() as number);
    expect(out).toEqual(values.filter((v) => v % 2 === 0).sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});

describe('LruSet', () => {
  it('forgets the oldest entries beyond its capacity', () => {
    const s = new LruSet(2);
    s.add('a');
    s.add('b');
    s.add('a');
    s.add('c');
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([true, false, true]);
  });
});

describe('RecentDecisions', () => {
  const d = (id: string): PriorDecision => ({ deliveryId: id, status: 'pending', triggeredAtMs: 1 });

  it('remembers decisions per campaign and profile and merges them into what ClickHouse said', () => {
    const recent = new RecentDecisions(10);
    recent.record('c', 'p-1', d('x'));
    recent.record('c', 'p-1', d('x')); // the same delivery once
    recent.record('c', 'p-1', d('y'));
    const prior = new Map([[pairKey('c', 'p-1'), [d('y'), d('z')]]]);
    recent.mergeInto(prior, [pairKey('c', 'p-1'), pairKey('c', 'p-2')]);
    expect(
      prior
        .get(pairKey('c', 'p-1'))
        ?.map((p) => p.deliveryId)
        .sort(),
    ).toEqual(['x', 'y', 'z']);
    expect(prior.has(pairKey('c', 'p-2'))).toBe(false);
    expect(recent.hasDelivery('x')).toBe(true);
  });

  it('is bounded: the least recently touched pairs go first', () => {
    const recent = new RecentDecisions(3);
    recent.record('c', 'p-1', d('a'));
    recent.record('c', 'p-2', d('b'));
    recent.record('c', 'p-3', d('c'));
    recent.record('c', 'p-1', d('d')); // p-1 touched again
    expect(recent.size).toBe(3);
    expect(recent.hasDelivery('b')).toBe(false);
    expect(recent.hasDelivery('a')).toBe(true);
  });
});
