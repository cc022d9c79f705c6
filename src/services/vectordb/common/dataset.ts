import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AifbError } from '../../../errors.js';
import type { Rng } from '../../../util/rng.js';
import { createRng } from '../../../util/rng.js';
import { readFloatRows, readIntRows } from './files.js';
import type { VectorOptions } from './options.js';
import { CLUSTER_SPREAD, syntheticData } from './synthetic.js';

/** The vectors of one run: what is loaded, what is searched for, and where new ones come from. */
export interface Dataset {
  d: number;
  /** Loaded vectors, ids 0..n−1, packed. */
  base: Float32Array;
  n: number;
  queries: Float32Array;
  m: number;
  /** A new vector for insert and update, from the same distribution as the base. */
  fresh(rng: Rng): Float32Array;
  /** Everything the ground truth depends on, for its cache key. */
  identity: Record<string, unknown>;
  /** Where to look for and keep cached ground truth, in order. */
  cacheDirs: string[];
  /** Neighbours shipped with the files (ids), when they apply to what is loaded. */
  neighbors?: { ids: Int32Array; depth: number };
  describe: string;
}

async function fileId(path: string) {
  const s = await stat(path);
  return { path: resolve(path), size: s.size, mtimeMs: Math.round(s.mtimeMs) };
}

function rmsSpread(base: Float32Array, d: number, n: number): number {
  let sum = 0;
  let sum2 = 0;
  const count = Math.min(n, 2000) * d;
  for (let i = 0; i < count; i++) {
    sum += base[i]!;
    sum2 += base[i]! * base[i]!;
  }
  return count > 0 ? Math.sqrt(Math.max(0, sum2 / count - (sum / count) ** 2)) : 1;
}

/** A near copy of a random loaded vector: file data has no generator to draw new points from. */
function perturbed(base: Float32Array, d: number, n: number, sigma: number) {
  return (rng: Rng): Float32Array => {
    const row = rng.int(n) * d;
    const out = new Float32Array(d);
    for (let j = 0; j < d; j++) out[j] = base[row + j]! + sigma * rng.normal();
    return out;
  };
}

async function fromFiles(o: VectorOptions): Promise<Dataset> {
  const ds = o.dataset!;
  const baseRows = await readFloatRows(ds.base, 0, o.numVectors);
  const { d } = baseRows;
  if (o.dimension !== undefined && o.dimension !== d) {
    throw new AifbError('bad-input', `dimension is ${o.dimension} but ${ds.base} holds ${d}-dimensional vectors; remove dimension or fix it`);
  }
  const n = baseRows.data.length / d;
  const sigma = 0.1 * rmsSpread(baseRows.data, d, n);
  const fresh = perturbed(baseRows.data, d, n, sigma);
  let queries: Float32Array;
  if (ds.queries) {
    const q = await readFloatRows(ds.queries, 0, o.numQueries);
    if (q.d !== d) throw new AifbError('bad-input', `${ds.queries} holds ${q.d}-dimensional vectors, the base ${d}`);
    queries = q.data;
  } else {
    const rng = createRng(o.dataSeed).fork('queries');
    queries = new Float32Array(o.numQueries * d);
    for (let i = 0; i < o.numQueries; i++) queries.set(fresh(rng), i * d);
  }
  const m = queries.length / d;
  let neighbors: Dataset['neighbors'];
  // Shipped neighbours index the whole file: valid only when all of it is loaded.
  if (ds.neighbors && n === baseRows.total) {
    const nb = await readIntRows(ds.neighbors, m);
    if (nb.data.length / nb.d >= m) neighbors = { ids: nb.data, depth: nb.d };
  }
  const identity = {
    kind: 'files',
    base: await fileId(ds.base),
    queries: ds.queries ? await fileId(ds.queries) : { seed: o.dataSeed, sigma },
    n,
    m,
  };
  return {
    d,
    base: baseRows.data,
    n,
    queries,
    m,
    fresh,
    identity,
    cacheDirs: [dirname(resolve(ds.base)), o.cacheDir],
    ...(neighbors ? { neighbors } : {}),
    describe: `${n} vectors of ${ds.base} (d=${d})`,
  };
}

/** The data set a service asked for: synthetic (seeded clustered Gaussians) or read from files. */
export async function loadDataset(o: VectorOptions): Promise<Dataset> {
  if (o.dataset) return fromFiles(o);
  const d = o.dimension ?? 128;
  const { mixture, base, queries } = syntheticData(o.dataSeed, d, o.clusters, o.numVectors, o.numQueries);
  return {
    d,
    base,
    n: o.numVectors,
    queries,
    m: o.numQueries,
    fresh: (rng) => mixture.sample(rng, 1),
    identity: { kind: 'synthetic', v: 1, seed: o.dataSeed, clusters: o.clusters, spread: CLUSTER_SPREAD, d, n: o.numVectors, m: o.numQueries },
    cacheDirs: [o.cacheDir],
    describe: `${o.numVectors} synthetic vectors (d=${d}, ${o.clusters} clusters, seed ${o.dataSeed})`,
  };
}
