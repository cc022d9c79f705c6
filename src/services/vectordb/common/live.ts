/**
 * What the index should hold right now, as aifb knows it: the loaded base (ids 0..n−1,
 * read-only) minus the ids deleted or updated since, plus the vectors inserted or
 * rewritten by updates ("extra"). Searches are judged against this set.
 */
export class LiveSet {
  readonly n: number;
  private readonly mutated: Uint8Array;
  mutatedCount = 0;
  private extraIds: number[] = [];
  private extraVecs: Float32Array;
  private extraNorms: Float32Array;
  private readonly extraPos = new Map<number, number>();

  constructor(
    readonly d: number,
    readonly base: Float32Array,
    readonly baseNorms: Float32Array,
  ) {
    this.n = base.length / d;
    this.mutated = new Uint8Array(this.n);
    this.extraVecs = new Float32Array(64 * d);
    this.extraNorms = new Float32Array(64);
  }

  get extraCount(): number {
    return this.extraIds.length;
  }

  /** True once anything was inserted, updated or deleted after the load. */
  get changed(): boolean {
    return this.mutatedCount > 0 || this.extraIds.length > 0;
  }

  has(id: number): boolean {
    return (id < this.n && id >= 0 && this.mutated[id] === 0) || this.extraPos.has(id);
  }

  /** True when base id still holds its loaded vector. */
  baseIntact(id: number): boolean {
    return id >= 0 && id < this.n && this.mutated[id] === 0;
  }

  /** The vector id holds now, as a view (do not keep it across mutations), or undefined. */
  vectorOf(id: number): { data: Float32Array; row: number; norm: number } | undefined {
    if (this.baseIntact(id)) return { data: this.base, row: id, norm: this.baseNorms[id]! };
    const p = this.extraPos.get(id);
    return p === undefined ? undefined : { data: this.extraVecs, row: p, norm: this.extraNorms[p]! };
  }

  /** Sets id's vector (insert or update). */
  set(id: number, vec: Float32Array, norm: number): void {
    this.markMutated(id);
    let p = this.extraPos.get(id);
    if (p === undefined) {
      p = this.extraIds.length;
      this.grow(p + 1);
      this.extraIds.push(id);
      this.extraPos.set(id, p);
    }
    this.extraVecs.set(vec, p * this.d);
    this.extraNorms[p] = norm;
  }

  delete(id: number): void {
    this.markMutated(id);
    const p = this.extraPos.get(id);
    if (p === undefined) return;
    // Swap the last extra into the hole so the store stays packed for scans.
    const last = this.extraIds.length - 1;
    const lastId = this.extraIds[last]!;
    if (p !== last) {
      this.extraVecs.copyWithin(p * this.d, last * this.d, (last + 1) * this.d);
      this.extraNorms[p] = this.extraNorms[last]!;
      this.extraIds[p] = lastId;
      this.extraPos.set(lastId, p);
    }
    this.extraIds.pop();
    this.extraPos.delete(id);
  }

  /** Calls fn for every extra vector (row in `data`). */
  forEachExtra(fn: (id: number, data: Float32Array, row: number, norm: number) => void): void {
    for (let p = 0; p < this.extraIds.length; p++) fn(this.extraIds[p]!, this.extraVecs, p, this.extraNorms[p]!);
  }

  private markMutated(id: number): void {
    if (id >= 0 && id < this.n && this.mutated[id] === 0) {
      this.mutated[id] = 1;
      this.mutatedCount++;
    }
  }

  private grow(rows: number): void {
    if (rows * this.d <= this.extraVecs.length) return;
    const cap = Math.max(rows, this.extraNorms.length * 2);
    const vecs = new Float32Array(cap * this.d);
    vecs.set(this.extraVecs);
    const norms = new Float32Array(cap);
    norms.set(this.extraNorms);
    this.extraVecs = vecs;
    this.extraNorms = norms;
  }
}
