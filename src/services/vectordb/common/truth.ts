import type { Space } from './distance.js';
import type { StaticTruth } from './groundtruth.js';
import type { LiveSet } from './live.js';
import { TopK } from './topk.js';

/** Every vector's filter tag, 0..99 (stored as metadata `tag`; a filtered search asks tag < t). */
export function tagOf(id: number): number {
  return (Math.imul(id + 1, 0x9e3779b1) >>> 0) % 100;
}

/** The exact answer to one search at the moment it was prepared. */
export interface Expected {
  /** The k nearest live ids (fewer when fewer match). */
  ids: number[];
  /** Distance of the last of them: a result at most this far (plus tolerance) counts as found. */
  kth: number;
  /** How it was obtained: from the cached truth, merged with changes, or a full scan. */
  how: 'static' | 'merged' | 'scan';
}

/**
 * Ground truth over the live set. Before anything changes it is the cached static truth.
 * After inserts, updates and deletes: the static list minus changed ids, merged with an
 * exact scan of the changed vectors. That is exact while at least k of the static list
 * survive, because every base vector not in the list is farther than the list's last
 * entry; otherwise (rare: depth is well beyond k) the whole live set is scanned.
 */
export class Truth {
  constructor(
    private readonly space: Space,
    private readonly live: LiveSet,
    readonly queries: Float32Array,
    /** Static truth per filter threshold; 100 is "no filter". */
    private readonly statics: Map<number, StaticTruth>,
    /** Typical squared norm of the data, for the tolerance. */
    private readonly scale: number,
  ) {}

  /** The exact k nearest live neighbours of query q among vectors with tag < below (100: all). */
  expected(q: number, k: number, below = 100): Expected {
    const st = this.statics.get(below);
    if (!st) throw new Error(`no ground truth for filter tag < ${below}`);
    const accept = (id: number) => below >= 100 || tagOf(id) < below;
    const row = q * st.depth;
    if (!this.live.changed) {
      const ids: number[] = [];
      for (let j = 0; j < k && j < st.depth && st.ids[row + j]! >= 0; j++) ids.push(st.ids[row + j]!);
      return { ids, kth: ids.length > 0 ? st.dists[row + ids.length - 1]! : Infinity, how: 'static' };
    }
    let top = new TopK(k);
    let surviving = 0;
    let listEnd = true;
    for (let j = 0; j < st.depth; j++) {
      const id = st.ids[row + j]!;
      if (id < 0) break;
      if (j === st.depth - 1) listEnd = false;
      if (!this.live.baseIntact(id)) continue;
      surviving++;
      top.push(id, st.dists[row + j]!);
    }
    const qv = this.queries.subarray(q * this.space.d, (q + 1) * this.space.d);
    const qn = this.space.norm(qv);
    // A list shorter than depth already held every accepted base vector.
    const complete = surviving >= k || listEnd;
    if (!complete) {
      top = new TopK(k);
      for (let id = 0; id < this.live.n; id++) {
        if (this.live.baseIntact(id) && accept(id)) top.push(id, this.space.between(qv, qn, this.live.base, id, this.live.baseNorms[id]!));
      }
    }
    this.live.forEachExtra((id, data, r, norm) => {
      if (accept(id)) top.push(id, this.space.between(qv, qn, data, r, norm));
    });
    const s = top.sorted();
    return { ids: s.ids, kth: s.dists.length > 0 ? s.dists[s.dists.length - 1]! : Infinity, how: complete ? 'merged' : 'scan' };
  }

  /**
   * recall@k of a result: the share of the k true neighbours matched by returned ids
   * whose distance (recomputed from aifb's copy of the vector) is within the k-th true
   * distance plus a tolerance, so ties and float32 rounding do not count as misses
   * (ann-benchmarks' rule). Ids returned twice, unknown or filtered out count once or not at all.
   */
  recall(q: number, exp: Expected, returned: readonly number[], k: number, below = 100): number | undefined {
    const want = Math.min(k, exp.ids.length);
    if (want === 0) return undefined;
    const qv = this.queries.subarray(q * this.space.d, (q + 1) * this.space.d);
    const qn = this.space.norm(qv);
    const limit = exp.kth + this.space.tolerance(exp.kth, this.scale);
    const expected = new Set(exp.ids);
    const seen = new Set<number>();
    let hits = 0;
    for (const id of returned.slice(0, k)) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (expected.has(id)) {
        hits++;
        continue;
      }
      if (below < 100 && tagOf(id) >= below) continue;
      const v = this.live.vectorOf(id);
      if (v && this.space.between(qv, qn, v.data, v.row, v.norm) <= limit) hits++;
    }
    return Math.min(1, hits / want);
  }
}
