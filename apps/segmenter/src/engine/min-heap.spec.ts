import { MinHeap } from './min-heap';

describe('MinHeap', () => {
  it('pops in time order, ties by key', () => {
    const h = new MinHeap();
    const input = [5, 3, 9, 1, 3, 7, 2, 8, 1].map((at, i) => ({ at, key: `k${i}` }));
    for (const e of input) h.push(e);
    const out: string[] = [];
    for (let e = h.pop(); e !== undefined; e = h.pop()) out.push(`${e.at}:${e.key}`);
    expect(out).toEqual(
      [...input].sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : 1)).map((e) => `${e.at}:${e.key}`),
    );
    expect(h.size).toBe(0);
  });

  it('agrees with sorting on random input, and compact keeps a valid heap', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const h = new MinHeap();
    const all = Array.from({ length: 500 }, (_, i) => ({ at: Math.floor(rnd() * 100), key: `p${i}` }));
    for (const e of all) h.push(e);
    h.compact((e) => e.at % 2 === 0);
    const kept = all.filter((e) => e.at % 2 === 0).sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : 1));
    const popped = [];
    for (let e = h.pop(); e !== undefined; e = h.pop()) popped.push(e);
    expect(popped).toEqual(kept);
  });
});
