import { DisjointSet } from './disjoint-set';

/** Smaller number = better representative. */
const bySmallestNode = () => new DisjointSet((a, b) => a < b);

describe('DisjointSet', () => {
  it('starts every node as its own component', () => {
    const set = bySmallestNode();
    expect([set.add(), set.add(), set.add()]).toEqual([0, 1, 2]);
    expect(set.count).toBe(3);
    expect(set.componentCount).toBe(3);
    expect(set.find(2)).toBe(2);
    expect(set.members(1)).toEqual([1]);
  });

  it('keeps the preceding root whatever the order of the union arguments', () => {
    const set = bySmallestNode();
    for (let i = 0; i < 4; i++) set.add();
    expect(set.union(3, 1)).toEqual({ survivor: 1, absorbed: 3 });
    expect(set.union(2, 0)).toEqual({ survivor: 0, absorbed: 2 });
    expect(set.union(3, 2)).toEqual({ survivor: 0, absorbed: 1 });
    expect([0, 1, 2, 3].map((n) => set.find(n))).toEqual([0, 0, 0, 0]);
    expect(set.componentCount).toBe(1);
  });

  it('reports nothing for a union within one component', () => {
    const set = bySmallestNode();
    set.add();
    set.add();
    set.union(0, 1);
    expect(set.union(1, 0)).toBeUndefined();
    expect(set.componentCount).toBe(1);
  });

  it('lists and counts the members of merged components', () => {
    const set = bySmallestNode();
    for (let i = 0; i < 6; i++) set.add();
    set.union(0, 1);
    set.union(2, 3);
    set.union(4, 5);
    set.union(1, 3);
    expect(set.members(3).sort()).toEqual([0, 1, 2, 3]);
    expect(set.members(5).sort()).toEqual([4, 5]);
    expect(set.sizeOf(2)).toBe(4);
    expect(set.sizeOf(4)).toBe(2);
  });

  it('compresses paths on find', () => {
    // Largest node wins, so joining n with a growing chain makes a deep tree.
    const set = new DisjointSet((a, b) => a > b);
    for (let i = 0; i < 5; i++) set.add();
    for (let i = 1; i < 5; i++) set.union(i - 1, i);
    // Each union puts the old root under the new node: 0 -> 1 -> 2 -> 3 -> 4.
    expect(set.depthOf(0)).toBe(4);
    expect(set.find(0)).toBe(4);
    expect([0, 1, 2, 3].map((n) => set.depthOf(n))).toEqual([1, 1, 1, 1]);
  });

  it('rejects unknown nodes', () => {
    const set = bySmallestNode();
    set.add();
    expect(() => set.find(1)).toThrow(RangeError);
    expect(() => set.members(-1)).toThrow(RangeError);
  });
});
