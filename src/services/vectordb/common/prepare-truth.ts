import type { Logger } from '../../../util/log.js';
import type { Dataset } from './dataset.js';
import type { Space } from './distance.js';
import { bruteForce, readCachedTruth, truthKey, writeCachedTruth, type StaticTruth } from './groundtruth.js';
import { tagOf } from './truth.js';

export interface TruthSource {
  truth: StaticTruth;
  /** `cache`: read from a file computed before; `computed`: brute force now; `file`: the data set's neighbours. */
  source: 'cache' | 'computed' | 'file';
  seconds: number;
  path?: string;
}

/** Truth from the data set's own neighbour file: its ids, our distances (they may use another metric's order). */
function fromNeighbors(space: Space, ds: Dataset, nb: { ids: Int32Array; depth: number }): StaticTruth {
  const { m, d } = ds;
  const ids = new Int32Array(m * nb.depth);
  const dists = new Float32Array(m * nb.depth);
  for (let q = 0; q < m; q++) {
    const qv = ds.queries.subarray(q * d, (q + 1) * d);
    const qn = space.norm(qv);
    for (let j = 0; j < nb.depth; j++) {
      const id = nb.ids[q * nb.depth + j]!;
      ids[q * nb.depth + j] = id >= 0 && id < ds.n ? id : -1;
      dists[q * nb.depth + j] = id >= 0 && id < ds.n ? space.between(qv, qn, ds.base, id, space.norm(ds.base, id)) : Infinity;
    }
  }
  return { m, depth: nb.depth, ids, dists };
}

/**
 * The static ground truth for searches with tag < below (100: unfiltered), `depth` deep:
 * the data set's neighbour file when it applies (at least k deep), else a cached brute-force result, else
 * brute force now (then cached beside the data, or in cache_dir).
 */
export async function staticTruth(
  space: Space,
  ds: Dataset,
  depth: number,
  k: number,
  below: number,
  log: Logger,
  signal: AbortSignal,
): Promise<TruthSource> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if (below >= 100 && ds.neighbors && ds.neighbors.depth >= k) {
    return { truth: fromNeighbors(space, ds, ds.neighbors), source: 'file', seconds: seconds() };
  }
  const name = `aifb-gt-${truthKey({ ...ds.identity, distance: space.distance, depth, below })}.bin`;
  const cached = await readCachedTruth(ds.cacheDirs, name);
  if (cached && cached.truth.m === ds.m && cached.truth.depth === depth) {
    log.debug(`ground truth from ${cached.path}`);
    return { truth: cached.truth, source: 'cache', seconds: seconds(), path: cached.path };
  }
  log.info(`computing ground truth: ${ds.m} queries × ${ds.n} vectors (${depth} deep${below < 100 ? `, tag < ${below}` : ''})`);
  const truth = await bruteForce(space, ds.base, ds.queries, depth, below < 100 ? (id) => tagOf(id) < below : undefined, signal);
  const path = await writeCachedTruth(ds.cacheDirs, name, truth);
  if (!path) log.warn(`could not cache the ground truth in ${ds.cacheDirs.join(' or ')}; it will be computed again next run`);
  return { truth, source: 'computed', seconds: seconds(), ...(path ? { path } : {}) };
}
