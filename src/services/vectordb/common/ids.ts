import type { Rng } from '../../../util/rng.js';

const CLAIM_TRIES = 16;

/**
 * The ids present in the index, for picking targets of get, update and delete at
 * random in O(1). A claimed id is the target of an operation in flight: no other
 * operation picks it, so a delete never races an update of the same vector.
 */
export class IdPool {
  private ids: Int32Array;
  private pos: Int32Array;
  private count = 0;
  private readonly claimed = new Set<number>();
  /** The next id an insert will use. */
  next: number;

  constructor(initial: number) {
    this.ids = new Int32Array(Math.max(16, initial));
    this.pos = new Int32Array(Math.max(16, initial)).fill(-1);
    for (let i = 0; i < initial; i++) this.add(i);
    this.next = initial;
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return id < this.pos.length && this.pos[id]! >= 0;
  }

  add(id: number): void {
    if (this.has(id)) return;
    if (id >= this.pos.length) {
      const pos = new Int32Array(Math.max(id + 1, this.pos.length * 2)).fill(-1);
      pos.set(this.pos);
      this.pos = pos;
    }
    if (this.count === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.ids[this.count] = id;
    this.pos[id] = this.count++;
  }

  remove(id: number): void {
    if (!this.has(id)) return;
    const p = this.pos[id]!;
    const last = this.ids[--this.count]!;
    this.ids[p] = last;
    this.pos[last] = p;
    this.pos[id] = -1;
  }

  /** A present id no other operation holds, now held; undefined when none could be found. */
  claim(rng: Rng): number | undefined {
    if (this.count === 0) return undefined;
    for (let t = 0; t < CLAIM_TRIES; t++) {
      const id = this.ids[rng.int(this.count)]!;
      if (!this.claimed.has(id)) {
        this.claimed.add(id);
        return id;
      }
    }
    return undefined;
  }

  unclaim(id: number): void {
    this.claimed.delete(id);
  }

  /** `count` fresh ids for an insert. */
  take(count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.next++);
    return out;
  }
}
