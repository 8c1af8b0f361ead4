/**
 * Union-find over dense integer nodes `0..count-1`, with path compression and union by id: the
 * root of a component is always its smallest node under `precedes`, so which node represents a
 * component depends only on the component, never on the order of unions. Each component also
 * keeps a circular list of its members (merged in O(1)) so it can be enumerated.
 */
export class DisjointSet {
  private readonly parent: number[] = [];
  private readonly next: number[] = [];
  private readonly sizes: number[] = [];
  private components = 0;

  /** `precedes(a, b)`: a is the better representative; must be a strict total order. */
  constructor(private readonly precedes: (a: number, b: number) => boolean) {}

  /** Number of nodes. */
  get count(): number {
    return this.parent.length;
  }

  /** Number of components (roots). */
  get componentCount(): number {
    return this.components;
  }

  /** Adds a singleton component and returns its node. */
  add(): number {
    const node = this.parent.length;
    this.parent.push(node);
    this.next.push(node);
    this.sizes.push(1);
    this.components += 1;
    return node;
  }

  /** Root of the component of `node`; compresses the path it walked. */
  find(node: number): number {
    this.check(node);
    let root = node;
    while (this.parent[root] !== root) root = this.parent[root];
    let current = node;
    while (this.parent[current] !== root) {
      const up = this.parent[current];
      this.parent[current] = root;
      current = up;
    }
    return root;
  }

  /**
   * Joins the components of `a` and `b`. The root that `precedes` the other survives. Returns the
   * two roots, or undefined when they were already one component.
   */
  union(a: number, b: number): { survivor: number; absorbed: number } | undefined {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return undefined;
    const [survivor, absorbed] = this.precedes(ra, rb) ? [ra, rb] : [rb, ra];
    this.parent[absorbed] = survivor;
    const afterSurvivor = this.next[survivor];
    this.next[survivor] = this.next[absorbed];
    this.next[absorbed] = afterSurvivor;
    this.sizes[survivor] += this.sizes[absorbed];
    this.components -= 1;
    return { survivor, absorbed };
  }

  /** Every node of the component of `node`, in no particular order. */
  members(node: number): number[] {
    this.check(node);
    const out = [node];
    for (let current = this.next[node]; current !== node; current = this.next[current]) out.push(current);
    return out;
  }

  /** Number of nodes in the component of `node`. */
  sizeOf(node: number): number {
    return this.sizes[this.find(node)];
  }

  /** Number of parent links from `node` to its root, without compressing (for tests and stats). */
  depthOf(node: number): number {
    this.check(node);
    let depth = 0;
    for (let current = node; this.parent[current] !== current; current = this.parent[current]) depth += 1;
    return depth;
  }

  private check(node: number): void {
    if (!Number.isInteger(node) || node < 0 || node >= this.parent.length) {
      throw new RangeError(`unknown node ${node}`);
    }
  }
}
