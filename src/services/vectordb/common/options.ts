import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServiceSpec } from '../../../recipe/types.js';
import { DISTANCES, variantName, type Distance, type SearchParams } from './fields.js';

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

export const DEFAULTS = {
  dimension: 128,
  numVectors: 10_000,
  numQueries: 1000,
  clusters: 32,
  k: 10,
  batchSize: 1000,
  filterSelectivity: 0.1,
};

/** Where synthetic data's ground truth is cached when the recipe names no cache_dir. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'aifb', 'vectordb');
}

/** A recipe value that is a number, else undefined (fields are validated before). */
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads the vector workload's options from a service (validated before, so no checks here). */
export function vectorOptionsOf(spec: Pick<ServiceSpec, 'fields' | 'seed'>): VectorOptions {
  const f = spec.fields;
  const distance = (DISTANCES as readonly unknown[]).includes(f.distance) ? (f.distance as Distance) : undefined;
  const ds = f.dataset as { base?: unknown; queries?: unknown; neighbors?: unknown } | undefined;
  const variants = new Map<string, SearchParams>();
  for (const p of Array.isArray(f.search_params) ? (f.search_params as SearchParams[]) : []) variants.set(variantName(p), p);
  const dataset = ds && typeof ds.base === 'string' ? { base: ds.base, ...(str(ds.queries) ? { queries: str(ds.queries) } : {}), ...(str(ds.neighbors) ? { neighbors: str(ds.neighbors) } : {}) } : undefined;
  return {
    dimension: num(f.dimension),
    numVectors: num(f.num_vectors) ?? DEFAULTS.numVectors,
    numQueries: num(f.num_queries) ?? DEFAULTS.numQueries,
    distance,
    clusters: num(f.clusters) ?? DEFAULTS.clusters,
    dataSeed: num(f.data_seed) ?? spec.seed,
    dataset,
    cacheDir: str(f.cache_dir) ?? defaultCacheDir(),
    k: num(f.search_k) ?? DEFAULTS.k,
    batchSize: num(f.batch_size) ?? DEFAULTS.batchSize,
    insertBatch: num(f.insert_batch) ?? 1,
    loadConcurrency: num(f.load_concurrency) ?? 1,
    recallSample: num(f.recall_sample) ?? 1,
    filterSelectivity: num(f.filter_selectivity) ?? DEFAULTS.filterSelectivity,
    variants,
    collectionPrefix: str(f.collection_name),
  };
}
