/**
 * The `capacity` nearest items seen so far: a max-heap on distance, so the farthest kept
 * item is replaced in O(log k). Ties are broken by id, so results are deterministic.
 */
export class TopK {
  private readonly ids: Int32Array;
  private readonly dists: Float64Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.ids = new Int32Array(capacity);
    this.dists = new Float64Array(capacity);
  }

  /** The distance an item must beat to enter (Infinity while not full). */
  bound(): number {
    return this.size < this.capacity ? Infinity : this.dists[0]!;
  }

  push(id: number, dist: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      let i = this.size++;
      this.ids[i] = id;
      this.dists[i] = dist;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.above(i, p)) break;
        this.swap(i, p);
        i = p;
      }
      return;
    }
    if (dist > this.dists[0]! || (dist === this.dists[0]! && id >= this.ids[0]!)) return;
    this.ids[0] = id;
    this.dists[0] = dist;
    this.siftDown(0);
  }

  /** The items, nearest first. */
  sorted(): { ids: number[]; dists: number[] } {
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (a, b) => this.dists[a]! - this.dists[b]! || this.ids[a]! - this.ids[b]!,
    );
    return { ids: order.map((i) => this.ids[i]!), dists: order.map((i) => this.dists[i]!) };
  }

  /** True when item i is farther than item j (belongs nearer the root). */
  private above(i: number, j: number): boolean {
    const a = this.dists[i]!;
    const b = this.dists[j]!;
    return a > b || (a === b && this.ids[i]! > this.ids[j]!);
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.above(l, m)) m = l;
      if (r < this.size && this.above(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const ti = this.ids[i]!;
    this.ids[i] = this.ids[j]!;
    this.ids[j] = ti;
    const td = this.dists[i]!;
    this.dists[i] = this.dists[j]!;
    this.dists[j] = td;
  }
}
