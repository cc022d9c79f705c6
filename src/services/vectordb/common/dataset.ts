import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Rng } from '../../../util/rng.js';
import { createRng } from '../../../util/rng.js';
import { isHdf5Path, type Distance, type VectorFields } from './fields.js';
import { DataFileError, readFloatRows, readIntRows, type Rows } from './files.js';
import { readAnnBenchmarks } from './hdf5.js';
import { VDB_MSG } from './messages.js';
import { CLUSTER_SPREAD, syntheticData } from './synthetic.js';

/** The vectors of one run: what is loaded, what is searched for, and where new ones come from. */
export interface Dataset {
  d: number;
  /** Loaded vectors, ids 0..n−1, packed. */
  base: Float32Array;
  n: number;
  queries: Float32Array;
  m: number;
  /** The run's distance: the recipe's, else the one the file declares (ann-benchmarks), else l2. */
  distance: Distance;
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

/** What the files give before the shared handling: base rows, and queries, neighbours and a metric when they have them. */
interface FileRows {
  base: Rows<Float32Array>;
  queries: Rows<Float32Array> | undefined;
  /** Neighbour ids, read only when they can apply (the whole base is loaded). */
  neighbors: Rows<Int32Array> | undefined;
  /** The metric the file declares (ann-benchmarks), or undefined. */
  metric: Distance | undefined;
}

async function readHdf5(o: VectorFields, path: string): Promise<FileRows> {
  const f = await readAnnBenchmarks(path, o.num_vectors, o.num_queries);
  if (!f.distance && !o.distance) throw new DataFileError(VDB_MSG.hdf5NoDistance(path));
  return { base: f.train, queries: f.test, neighbors: f.neighbors, metric: f.distance };
}

async function readVectorFiles(o: VectorFields, ds: NonNullable<VectorFields['dataset']>): Promise<FileRows> {
  const base = await readFloatRows(ds.base, 0, o.num_vectors);
  const queries = ds.queries ? await readFloatRows(ds.queries, 0, o.num_queries) : undefined;
  // Shipped neighbours index the whole file: read only when all of it is loaded.
  const m = queries ? queries.data.length / queries.d : o.num_queries;
  const neighbors = ds.neighbors && base.data.length / base.d === base.total ? await readIntRows(ds.neighbors, m) : undefined;
  return { base, queries, neighbors, metric: undefined };
}

/** The distance of a run: the recipe's when it sets one, else the file's, else l2; and a note saying which. */
function chooseDistance(o: VectorFields, metric: Distance | undefined): { distance: Distance; note: string } {
  if (o.distance) return { distance: o.distance, note: metric && metric !== o.distance ? `distance ${o.distance} from the recipe; the file's is ${metric}` : `distance ${o.distance}` };
  return metric ? { distance: metric, note: `distance ${metric} from the file` } : { distance: 'l2', note: 'distance l2' };
}

async function fromFiles(o: VectorFields, seed: number, cacheDir: string): Promise<Dataset> {
  const ds = o.dataset!;
  const hdf5 = isHdf5Path(ds.base);
  const rows = hdf5 ? await readHdf5(o, ds.base) : await readVectorFiles(o, ds);
  const { d } = rows.base;
  if (o.dimension !== undefined && o.dimension !== d) {
    throw new DataFileError(`dimension is ${o.dimension} but ${ds.base} holds ${d}-dimensional vectors; remove dimension or fix it`);
  }
  const n = rows.base.data.length / d;
  const sigma = 0.1 * rmsSpread(rows.base.data, d, n);
  const fresh = perturbed(rows.base.data, d, n, sigma);
  let queries: Float32Array;
  if (rows.queries) {
    if (rows.queries.d !== d) throw new DataFileError(`${ds.queries} holds ${rows.queries.d}-dimensional vectors, the base ${d}`);
    queries = rows.queries.data;
  } else {
    const rng = createRng(seed).fork('queries');
    queries = new Float32Array(o.num_queries * d);
    for (let i = 0; i < o.num_queries; i++) queries.set(fresh(rng), i * d);
  }
  const m = queries.length / d;
  const { distance, note } = chooseDistance(o, rows.metric);
  let neighbors: Dataset['neighbors'];
  // Neighbours index the whole file, under the file's metric: they apply only to all of it, in that metric.
  const nb = rows.neighbors;
  if (nb && n === rows.base.total && (rows.metric === undefined || rows.metric === distance) && nb.data.length / nb.d >= m) {
    neighbors = { ids: nb.data, depth: nb.d };
  }
  const identity = {
    kind: 'files',
    base: await fileId(ds.base),
    queries: hdf5 ? 'test' : ds.queries ? await fileId(ds.queries) : { seed, sigma },
    n,
    m,
  };
  return {
    d,
    base: rows.base.data,
    n,
    queries,
    m,
    distance,
    fresh,
    identity,
    cacheDirs: [dirname(resolve(ds.base)), cacheDir],
    ...(neighbors ? { neighbors } : {}),
    describe: `${n} vectors of ${ds.base} (d=${d}, ${m} queries${hdf5 ? ' from its test set' : ''}, ${note})`,
  };
}

/** The data set a service asked for: synthetic (seeded clustered Gaussians) or read from files. `serviceSeed` seeds the data when `data_seed` is unset. */
export async function loadDataset(o: VectorFields, serviceSeed: number): Promise<Dataset> {
  const seed = o.data_seed ?? serviceSeed;
  // Without cache_dir, the user cache of the environment the run is in (not the one that parsed the recipe).
  const cacheDir = o.cache_dir ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aifb', 'vectordb');
  if (o.dataset) return fromFiles(o, seed, cacheDir);
  const d = o.dimension ?? 128;
  const { mixture, base, queries } = syntheticData(seed, d, o.clusters, o.num_vectors, o.num_queries);
  return {
    d,
    base,
    n: o.num_vectors,
    queries,
    m: o.num_queries,
    distance: o.distance ?? 'l2',
    fresh: (rng) => mixture.sample(rng, 1),
    identity: { kind: 'synthetic', v: 1, seed, clusters: o.clusters, spread: CLUSTER_SPREAD, d, n: o.num_vectors, m: o.num_queries },
    cacheDirs: [cacheDir],
    describe: `${o.num_vectors} synthetic vectors (d=${d}, ${o.clusters} clusters, seed ${seed})`,
  };
}
