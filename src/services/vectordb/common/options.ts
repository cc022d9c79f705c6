import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServiceOf } from '../../fields.js';
import { variantName, type Distance, type SearchParams, type vectorFields } from './fields.js';

/** The shared workload's settings, read from a validated recipe. */
export interface VectorOptions {
  dimension: number | undefined;
  numVectors: number;
  numQueries: number;
  /** As the recipe sets it; undefined leaves it to the data (an ann-benchmarks file's metric, else l2). */
  distance: Distance | undefined;
  clusters: number;
  dataSeed: number;
  dataset: { base: string; queries?: string; neighbors?: string } | undefined;
  cacheDir: string;
  k: number;
  batchSize: number;
  insertBatch: number;
  loadConcurrency: number;
  recallSample: number;
  /** Share of vectors a filtered search may return (tag < selectivity × 100). */
  filterSelectivity: number;
  /** Operation name → search parameters of that sweep point. */
  variants: Map<string, SearchParams>;
  collectionPrefix: string | undefined;
}

/** Defaults of the common keys the vector workload reads (its own keys carry theirs in fields.ts). */
export const DEFAULTS = { k: 10, batchSize: 1000 };

/** Where synthetic data's ground truth is cached when the recipe names no cache_dir. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'aifb', 'vectordb');
}

/** The vector workload's options, from the service's parsed, defaulted fields (services/fields.ts). */
export function vectorOptionsOf({ fields: f, seed }: Pick<ServiceOf<typeof vectorFields>, 'fields' | 'seed'>): VectorOptions {
  const ds = f.dataset;
  return {
    dimension: f.dimension,
    numVectors: f.num_vectors,
    numQueries: f.num_queries,
    distance: f.distance,
    clusters: f.clusters,
    dataSeed: f.data_seed ?? seed,
    dataset: ds ? { base: ds.base, ...(ds.queries ? { queries: ds.queries } : {}), ...(ds.neighbors ? { neighbors: ds.neighbors } : {}) } : undefined,
    cacheDir: f.cache_dir ?? defaultCacheDir(),
    k: f.search_k ?? DEFAULTS.k,
    batchSize: f.batch_size ?? DEFAULTS.batchSize,
    insertBatch: f.insert_batch,
    loadConcurrency: f.load_concurrency,
    recallSample: f.recall_sample,
    filterSelectivity: f.filter_selectivity,
    variants: new Map(f.search_params.map((p): [string, SearchParams] => [variantName(p), p])),
    collectionPrefix: f.collection_name || undefined,
  };
}
