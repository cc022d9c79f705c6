import type { OperationResult } from '../../contract.js';
import type { Rng } from '../../../util/rng.js';
import type { Dataset } from './dataset.js';
import type { Space } from './distance.js';
import type { VectorEngine, VectorBatch, EngineCall } from './engine.js';
import type { SearchParams, VectorFields } from './fields.js';
import { ParamGate } from './gate.js';
import { IdPool } from './ids.js';
import { LiveSet } from './live.js';
import { tagOf, type Expected, type Truth } from './truth.js';

/** What prepare hands to execute; built outside the timed window. */
export type VectorOp =
  | { kind: 'search'; q: number; params: SearchParams | undefined; gateKey: string; below: number; expected: Expected | undefined }
  | { kind: 'insert'; batch: VectorBatch }
  | { kind: 'update'; batch: VectorBatch; id: number }
  | { kind: 'delete'; id: number }
  | { kind: 'get'; id: number }
  | { kind: 'missing'; operation: string };

const OK = 'ok';

/**
 * The measured mix on one engine: picks queries and targets, keeps aifb's picture of the
 * index (live set, ids) in step with every acknowledged write, and judges every search
 * against the exact answer of the moment it was prepared.
 */
export class VectorWorkload {
  private readonly gate = new ParamGate();
  readonly ids: IdPool;

  constructor(
    private readonly engine: VectorEngine,
    private readonly f: VectorFields,
    private readonly variants: ReadonlyMap<string, SearchParams>,
    private readonly ds: Dataset,
    private readonly space: Space,
    private readonly live: LiveSet,
    private readonly truth: Truth,
    private readonly filterBelow: number,
  ) {
    this.ids = new IdPool(ds.n);
  }

  prepare(operation: string, rng: Rng): VectorOp {
    switch (operation) {
      case 'search':
      case 'search_filtered': {
        const below = operation === 'search_filtered' ? this.filterBelow : 100;
        return this.search(rng, undefined, '', below);
      }
      case 'insert': {
        const ids = this.ids.take(this.f.insert_batch);
        return { kind: 'insert', batch: this.batch(ids, ids.map(() => this.ds.fresh(rng))) };
      }
      case 'update': {
        const id = this.ids.claim(rng);
        return id === undefined ? { kind: 'missing', operation } : { kind: 'update', id, batch: this.batch([id], [this.ds.fresh(rng)]) };
      }
      case 'delete':
      case 'get': {
        const id = this.ids.claim(rng);
        return id === undefined ? { kind: 'missing', operation } : { kind: operation, id };
      }
      default: {
        const params = this.variants.get(operation);
        if (!params) throw new Error(`vectordb has no operation "${operation}"`);
        return this.search(rng, params, operation, 100);
      }
    }
  }

  async execute(op: VectorOp, signal: AbortSignal): Promise<OperationResult> {
    const d = this.ds.d;
    switch (op.kind) {
      case 'search':
        return this.runSearch(op, signal);
      case 'insert': {
        const call = await this.engine.insert(op.batch, signal);
        op.batch.ids.forEach((id, i) => this.remember(id, op.batch.vectors.subarray(i * d, (i + 1) * d)));
        return this.done(call, 0, op.batch.vectors.byteLength);
      }
      case 'update': {
        const call = await this.engine.update(op.batch, signal);
        this.remember(op.id, op.batch.vectors);
        return this.done(call, 0, op.batch.vectors.byteLength);
      }
      case 'delete': {
        const call = await this.engine.delete([op.id], signal);
        this.live.delete(op.id);
        this.ids.remove(op.id);
        return this.done(call, 0, 8);
      }
      case 'get':
        return this.runGet(op.id, signal);
      case 'missing':
        return {
          ok: false,
          status: 'not_found',
          errorClass: 'not_found',
          message: `no vector available for ${op.operation} (all deleted or targeted by other operations in flight); raise num_vectors or the share of insert`,
        };
    }
  }

  release(op: VectorOp): void {
    if (op.kind === 'update' || op.kind === 'delete' || op.kind === 'get') this.ids.unclaim(op.id);
  }

  private search(rng: Rng, params: SearchParams | undefined, gateKey: string, below: number): VectorOp {
    const q = rng.int(this.ds.m);
    // Sampling draws from the rng only when it samples, so recall_sample 1 keeps the op sequence of a run without it.
    const judged = this.f.recall_sample >= 1 || (this.f.recall_sample > 0 && rng.next() < this.f.recall_sample);
    const expected = judged ? this.truth.expected(q, this.f.search_k, below) : undefined;
    return { kind: 'search', q, params, gateKey, below, expected };
  }

  private async runSearch(op: Extract<VectorOp, { kind: 'search' }>, signal: AbortSignal): Promise<OperationResult> {
    const d = this.ds.d;
    const query = this.ds.queries.subarray(op.q * d, (op.q + 1) * d);
    const opts = { ...(op.params ? { params: op.params } : {}), ...(op.below < 100 ? { below: op.below } : {}) };
    let switchMs = 0;
    const scoped = this.engine.paramsScope === 'collection' && this.engine.applyParams;
    if (scoped) switchMs = await this.gate.enter(op.gateKey, () => this.engine.applyParams!(op.params ?? {}));
    try {
      const r = await this.engine.search(query, this.f.search_k, opts, signal);
      const extra: Record<string, unknown> = {};
      if (op.expected) {
        const recall = this.truth.recall(op.q, op.expected, r.ids, this.f.search_k, op.below);
        if (recall !== undefined) extra.recall = recall;
      }
      if (r.engineMs !== undefined) extra.engine_ms = r.engineMs;
      if (switchMs > 0) extra.switch_ms = switchMs;
      return { ok: true, status: OK, bytesIn: r.bytesIn ?? r.ids.length * 8, bytesOut: r.bytesOut ?? query.byteLength, extra };
    } finally {
      if (scoped) this.gate.leave();
    }
  }

  private async runGet(id: number, signal: AbortSignal): Promise<OperationResult> {
    const r = await this.engine.get(id, signal);
    const mine = this.live.vectorOf(id);
    if (!r.vector) return { ok: false, status: 'not_found', errorClass: 'not_found', message: `vector ${id} is in the index as aifb knows it, but the engine did not return it` };
    const extra: Record<string, unknown> = {};
    if (r.engineMs !== undefined) extra.engine_ms = r.engineMs;
    if (mine) {
      // Lossy indexes (PQ, SQ) return an approximation: report the error rather than fail.
      let err = 0;
      for (let j = 0; j < this.ds.d; j++) err = Math.max(err, Math.abs(r.vector[j]! - mine.data[mine.row * this.ds.d + j]!));
      extra.max_abs_error = err;
    }
    return { ok: true, status: OK, bytesIn: r.bytesIn ?? r.vector.byteLength, bytesOut: r.bytesOut ?? 8, extra };
  }

  private remember(id: number, vec: Float32Array): void {
    this.live.set(id, vec, this.space.norm(vec));
    this.ids.add(id);
  }

  private batch(ids: number[], vecs: Float32Array[]): VectorBatch {
    const vectors = new Float32Array(ids.length * this.ds.d);
    vecs.forEach((v, i) => vectors.set(v, i * this.ds.d));
    return { ids, vectors, tags: ids.map(tagOf) };
  }

  private done(call: EngineCall, bytesIn: number, bytesOut: number): OperationResult {
    const extra = call.engineMs !== undefined ? { engine_ms: call.engineMs } : undefined;
    return { ok: true, status: OK, bytesIn: call.bytesIn ?? bytesIn, bytesOut: call.bytesOut ?? bytesOut, ...(extra ? { extra } : {}) };
  }
}
