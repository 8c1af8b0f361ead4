/**
 * A set of profile ids that may answer "maybe" for an id never added, never "no" for one that
 * was: a Bloom filter that grows (a new filter of twice the capacity when the current one is
 * full, so the false-positive rate stays near `falsePositiveRate` however many ids arrive).
 *
 * The segmenter keeps in one the profiles of its partition that have a history in ClickHouse
 * (read at partition open) or were consumed since: a profile it certainly does not hold has no
 * history yet, so its first event needs no ClickHouse read. A false "maybe" only costs a read.
 */
export class ProfileFilter {
  private readonly layers: BloomLayer[] = [];
  private added = 0;

  constructor(
    initialCapacity = 1024,
    // a false "maybe" costs a ClickHouse read that the unit of work waits for: at 0.1 % (about
    // 15 bits per id, 1.8 MB per million ids) a burst of new profiles causes almost none
    private readonly falsePositiveRate = 0.001,
  ) {
    this.layers.push(new BloomLayer(Math.max(16, initialCapacity), falsePositiveRate));
  }

  /** About how many distinct ids were added (a lower bound: an id mistaken for a present one is not counted). */
  get size(): number {
    return this.added;
  }

  add(id: string): void {
    const [h1, h2] = hashes(id);
    if (this.layers.some((l) => l.has(h1, h2))) return;
    let top = this.layers[this.layers.length - 1];
    if (top.full) {
      top = new BloomLayer(top.capacity * 2, this.falsePositiveRate / 2 ** this.layers.length);
      this.layers.push(top);
    }
    top.add(h1, h2);
    this.added += 1;
  }

  /** False: `id` was certainly never added. True: it probably was. */
  mightContain(id: string): boolean {
    const [h1, h2] = hashes(id);
    return this.layers.some((l) => l.has(h1, h2));
  }
}

class BloomLayer {
  private readonly bits: Uint32Array;
  private readonly m: number;
  private readonly k: number;
  private count = 0;

  constructor(
    readonly capacity: number,
    falsePositiveRate: number,
  ) {
    const p = Math.min(0.5, Math.max(1e-9, falsePositiveRate));
    this.m = Math.max(64, Math.ceil((-capacity * Math.log(p)) / Math.LN2 ** 2));
    this.k = Math.max(1, Math.round((this.m / capacity) * Math.LN2));
    this.bits = new Uint32Array(Math.ceil(this.m / 32));
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < this.k; i++) {
      const bit = (h1 + i * h2) % this.m;
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    this.count += 1;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < this.k; i++) {
      const bit = (h1 + i * h2) % this.m;
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** Two independent 32-bit FNV-1a variants of the id's UTF-16 code units (double hashing). */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // h2 odd and non-zero, so the k probes differ
  return [a >>> 0, (b | 1) >>> 0];
}
