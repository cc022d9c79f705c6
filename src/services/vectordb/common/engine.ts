import type { Logger } from '../../../util/log.js';
import type { Distance, SearchParams } from './fields.js';

/** Vectors to write: ids, their packed vectors (ids.length × d) and filter tags. */
export interface VectorBatch {
  ids: number[];
  vectors: Float32Array;
  tags: number[];
}

/** What one engine call reports beside its result: time inside the engine, bytes moved. */
export interface EngineCall {
  /** Time the engine itself spent (Faiss: inside the worker), in ms, when it can tell. */
  engineMs?: number;
  bytesIn?: number;
  bytesOut?: number;
}

export interface Searched extends EngineCall {
  /** Returned ids, nearest first. */
  ids: number[];
}

export interface Fetched extends EngineCall {
  vector: Float32Array | undefined;
}

export interface OpenContext {
  benchmarkId: string;
  serviceName: string;
  d: number;
  distance: Distance;
  /** Vectors the load phase will insert (IVF list counts, capacity). */
  expectedVectors: number;
  log: Logger;
  signal: AbortSignal;
}

/**
 * One vector engine as the shared workload drives it. Each backend implements this and
 * nothing else: data, ground truth, recall, ids and the load phase are common.
 */
export interface VectorEngine {
  /**
   * `request`: search knobs go with each search. `collection`: they are a collection
   * setting, switched through a ParamGate (common/gate.ts).
   */
  readonly paramsScope: 'request' | 'collection';
  /** Connects and creates what this run owns; fails when it already exists. Returns its name. */
  open(ctx: OpenContext): Promise<string>;
  /** Before the bulk load, with the vectors to be loaded (Faiss trains IVF and PQ here). */
  train?(vectors: Float32Array): Promise<EngineCall>;
  insert(batch: VectorBatch, signal: AbortSignal): Promise<EngineCall>;
  /** After the bulk load: build or optimise the index (pgvector's CREATE INDEX). */
  build?(signal: AbortSignal): Promise<EngineCall>;
  search(query: Float32Array, k: number, opts: { params?: SearchParams; below?: number }, signal: AbortSignal): Promise<Searched>;
  /** Collection-scope engines: set the knobs (`{}` means the recipe's defaults). */
  applyParams?(params: SearchParams): Promise<void>;
  get(id: number, signal: AbortSignal): Promise<Fetched>;
  update(batch: VectorBatch, signal: AbortSignal): Promise<EngineCall>;
  delete(ids: number[], signal: AbortSignal): Promise<EngineCall>;
  /** Removes what open created, and only that. */
  drop(): Promise<void>;
  close(): Promise<void>;
}
