import type { MetricDeclaration } from '../../contract.js';
import { BOUNDS, boundMessage, boundedInt } from '../../../recipe/bounds.js';
import { z } from 'zod';
import { VDB_MSG } from './messages.js';
import type { FieldsOf } from '../../fields.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';

/**
 * Recipe keys every vector backend shares (definitions stay light: zod only). The seed's
 * `dimension`, `batch_size`, `search_k`, `collection_name` and `operation_mix` are common
 * keys already; these add the data set, recall and the search-parameter sweep.
 */

export const DISTANCES = ['l2', 'cosine', 'ip'] as const;
export type Distance = (typeof DISTANCES)[number];

/** Search knobs a sweep may set, under one name for every backend (docs/vectordb.md maps them). */
export const SEARCH_KNOBS = ['ef_search', 'nprobe'] as const;
export type SearchKnob = (typeof SEARCH_KNOBS)[number];
export type SearchParams = Partial<Record<SearchKnob, number>>;

export const BASE_OPERATIONS = ['insert', 'search', 'update', 'delete', 'get', 'search_filtered'] as const;
/** Without a mix: searches only, VectorDBBench's search case, so recall is against the loaded set. */
export const DEFAULT_VECTOR_MIX = { search: 1 };
const DEFAULT_CLUSTERS = 32;

/** Whether a data file is read as an ann-benchmarks HDF5 file (by its name). */
export function isHdf5Path(path: string): boolean {
  return /\.(hdf5|h5)$/i.test(path);
}

const datasetShape = z.strictObject({
  /** Base vectors: .fvecs, .bvecs or .npy (float32, float64 or uint8); or an ann-benchmarks .hdf5/.h5 file (train, test, neighbors). */
  base: z.string().min(1),
  /** Query vectors, same formats; without it queries are drawn from the base and perturbed. */
  queries: z.string().min(1).optional(),
  /** Exact neighbours (.ivecs or .npy int32/int64), used as ground truth when the whole base is loaded. */
  neighbors: z.string().min(1).optional(),
});

const knobValue = z.int().min(1).max(1_000_000);
export const searchParamsShape = z.strictObject({ ef_search: knobValue.optional(), nprobe: knobValue.optional() });

/** Keys of the shared vector workload (data, recall, sweep), with their defaults. */
export const vectorFields = {
  // Common keys, redefined for the workload's defaults with recipe/schema.ts's bounds (the same validation and messages).
  batch_size: boundedInt(1, BOUNDS.maxInFlight).default(1000),
  search_k: boundedInt(1, BOUNDS.maxInFlight).default(10),
  num_vectors: z.int().min(1).max(100_000_000).default(10_000),
  num_queries: z.int().min(1).max(1_000_000).default(1000),
  /** Unset leaves it to the data (an ann-benchmarks file's metric, else l2). */
  distance: z.enum(DISTANCES).optional(),
  clusters: z.int().min(1).max(1_000_000).default(DEFAULT_CLUSTERS),
  /** Unset: the service's seed. */
  data_seed: z.int().min(0).optional(),
  dataset: datasetShape.optional(),
  cache_dir: z.string().min(1).optional(),
  insert_batch: z.int().min(1).max(100_000).default(1),
  load_concurrency: z.int().min(1).max(256).default(1),
  recall_sample: z.number().min(0).max(1).default(1),
  filter_selectivity: z.number().gt(0).max(1).default(0.1),
  search_params: z.array(searchParamsShape).min(1).max(64).default([]),
} satisfies z.ZodRawShape;

// Each backend's own keys beside the shared ones: here, not in its definition, so its adapter can type
// them without importing the definition (which loads the adapter: a cycle). Unset knobs keep the engine's defaults.
export const PG_INDEXES = ['hnsw', 'ivfflat', 'none'] as const;
export const pgvectorFields = {
  ...vectorFields,
  driver: z.enum(['pglite', 'postgres']).optional(),
  data_dir: z.string().min(1).optional(),
  index: z.enum(PG_INDEXES).default('hnsw'),
  max_neighbors: z.int().min(2).max(100).optional(),
  ef_construction: z.int().min(4).max(1000).optional(),
  ef_search: z.int().min(1).max(1000).optional(),
  lists: z.int().min(1).max(32768).optional(),
  nprobe: z.int().min(1).max(32768).optional(),
} satisfies z.ZodRawShape;

/** Weaviate's vectorIndexType values aifb creates: `flat` searches exhaustively (exact). */
export const WEAVIATE_INDEXES = ['hnsw', 'flat'] as const;
export const weaviateFields = {
  ...vectorFields,
  url: z.string().optional(),
  api_key: z.string().optional(),
  index: z.enum(WEAVIATE_INDEXES).optional(),
  /** How searches go: REST GraphQL (default) or gRPC through weaviate-client. */
  protocol: z.enum(['rest', 'grpc']).optional(),
  grpc_port: z.int().min(1).max(65535).optional(),
  ef_construction: z.int().min(4).max(100_000).optional(),
  ef_search: z.int().min(1).max(100_000).optional(),
  max_neighbors: z.int().min(2).max(10_000).optional(),
} satisfies z.ZodRawShape;

export const faissFields = {
  ...vectorFields,
  index_factory: z.string().min(1).default('Flat'),
  nprobe: z.int().min(1).optional(),
  ef_search: z.int().min(1).optional(),
  gpu: z.boolean().default(false),
  python: z.string().min(1).optional(),
  threads: z.int().min(1).max(4096).optional(),
  /** Faiss's k-means wants ~40 points per centroid at most; more only slows training. */
  train_size: z.int().min(1).default(100_000),
} satisfies z.ZodRawShape;

const hnswKnob = z.int().min(1).max(100_000);
export const chromaFields = {
  ...vectorFields,
  url: z.string().optional(),
  tenant: z.string().min(1).optional(),
  ef_construction: hnswKnob.optional(),
  ef_search: hnswKnob.optional(),
  max_neighbors: hnswKnob.optional(),
} satisfies z.ZodRawShape;

/** `search@ef_search=64,nprobe=8`: the operation name of one entry of `search_params`. */
export function variantName(params: SearchParams): string {
  const parts = SEARCH_KNOBS.filter((k) => params[k] !== undefined).map((k) => `${k}=${params[k]}`);
  return `search@${parts.join(',')}`;
}

/** The operations' knobs, stored with the run for the recall–QPS curve: plain `search` (the service's own settings) and each `search_params` entry. */
export function vectorOperationParams(service: VectorFields): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = { search: {} };
  for (const p of service.search_params) out[variantName(p)] = Object.fromEntries(SEARCH_KNOBS.flatMap((k) => (p[k] === undefined ? [] : [[k, p[k]]])));
  return out;
}

/** recall@k of each search against the exact ground truth (common/workload.ts), per operation for the recall–QPS curve. */
export const VECTOR_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'recall',
    kind: 'rate',
    unit: 'fraction',
    operations: ['search', 'search_filtered'],
    description: 'recall@k: the share of the true k nearest neighbours a search returned',
    reportAs: 'recall',
    perOperation: true,
    countAs: 'searches',
    better: 'higher',
  },
];

/** The operations of a service: the base ones plus one `search@…` per entry of search_params. */
export function vectorOperationsFor(base: readonly string[]) {
  return (service: VectorFields): readonly string[] => [...base, ...service.search_params.map(variantName)];
}

type Problem = { path: (string | number)[]; message: string };
/** The shared keys as a vector adapter gets them: parsed and defaulted (services/fields.ts). */
export type VectorFields = FieldsOf<typeof vectorFields>;

/**
 * Cross-field rules shared by the vector backends. `knobs` are the sweep knobs the
 * backend can apply (Faiss HNSW has no nprobe, Chroma has no IVF).
 */
export function checkVectorFields(service: VectorFields, knobs: readonly SearchKnob[], backend: string): Problem[] {
  const out: Problem[] = [];
  service.search_params.forEach((p, i) => {
    const keys = Object.keys(p);
    if (keys.length === 0) out.push({ path: ['search_params', i], message: 'a search_params entry needs ef_search or nprobe' });
    for (const key of keys) {
      if (!(knobs as readonly string[]).includes(key)) {
        out.push({ path: ['search_params', i, key], message: `${backend} cannot set ${key} per search; it accepts ${knobs.join(', ') || 'no search knobs'}` });
      }
    }
  });
  const names = service.search_params.map(variantName);
  if (new Set(names).size !== names.length) out.push({ path: ['search_params'], message: 'search_params has the same entry twice' });
  const k = service.search_k;
  const n = service.num_vectors;
  if (k > n) out.push({ path: ['search_k'], message: `search_k (${k}) is larger than num_vectors (${n})` });
  // Generated vectors live in memory: num_vectors × dimension floats.
  const d = service.dimension ?? 128;
  if (n * d > BOUNDS.vectorFloats) {
    out.push({ path: ['num_vectors'], message: `num_vectors × dimension (${n} × ${d}) is ${boundMessage(BOUNDS.vectorFloats, ' floats (2 GiB)')}` });
  }
  const ds = service.dataset;
  if (ds && isHdf5Path(ds.base)) {
    for (const key of ['queries', 'neighbors'] as const) if (ds[key] !== undefined) out.push({ path: ['dataset', key], message: VDB_MSG.hdf5Extra(key) });
  }
  // Parsed, unset clusters are the default: only another number was asked for.
  if (ds !== undefined && service.clusters !== DEFAULT_CLUSTERS) {
    out.push({ path: ['clusters'], message: 'clusters shapes synthetic data; it has no effect with dataset files' });
  }
  return out;
}

/** A vector server's base URL (`url`, else `service_url`, else host and port) must be http(s). */
export function urlProblems(service: VectorFields & { url?: string }, defaultPort: number): Problem[] {
  const url = baseUrlText(service, defaultPort);
  return url === undefined || parseHttpUrl(url) ? [] : [{ path: [service.url !== undefined ? 'url' : 'service_url'], message: `"${url}" is not an http(s) URL` }];
}
