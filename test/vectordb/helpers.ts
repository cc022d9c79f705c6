import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendDefinition, OperationResult } from '../../src/services/contract.js';
import type { LoadProfile, ServiceSpec } from '../../src/recipe/types.js';
import type { VectorAdapter } from '../../src/services/vectordb/common/adapter.js';
import type { VectorOp } from '../../src/services/vectordb/common/workload.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { createRng, type Rng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { serviceOf } from '../../src/services/fields.js';

export const quiet = createLogger('error', () => {});
export const signal = () => new AbortController().signal;
/** One ground-truth cache for the whole test process, so caching is exercised across tests. */
export const CACHE_DIR = mkdtempSync(join(tmpdir(), 'aifb-vdb-cache-'));
process.once('exit', () => rmSync(CACHE_DIR, { recursive: true, force: true }));

/** Small enough for seconds per test, big enough that an index has something to do. */
export const SMALL = { dimension: 16, num_vectors: 600, num_queries: 40, clusters: 8, search_k: 10, batch_size: 256 };

export function closed(clients = 1, durationMs = 1000): LoadProfile {
  return { mode: 'closed', clients, thinkTimeMs: 0, stages: [], warmup: { kind: 'none' }, durationMs, requests: undefined };
}

export function specOf(def: BackendDefinition, fields: Record<string, unknown>, mix: Record<string, number> = { search: 1 }, name = 'vec svc'): ServiceSpec {
  return {
    name,
    type: 'vectordb',
    backend: def.backend,
    fields: { service_name: name, service_type: 'vectordb', backend: def.backend, cache_dir: CACHE_DIR, ...fields },
    load: closed(),
    mix: Object.entries(mix).map(([operation, weight]) => ({ operation, weight })),
    timeoutMs: 10_000,
    seed: 7,
    slo: undefined,
    steps: undefined,
  };
}

/** Creates and sets up an adapter the way the engine does. */
export async function openAdapter(def: BackendDefinition, fields: Record<string, unknown>, mix?: Record<string, number>, id = 'bench_1', name?: string): Promise<VectorAdapter> {
  const adapter = (await def.load()).createAdapter(serviceOf(def.fields, specOf(def, fields, mix, name))) as unknown as VectorAdapter;
  try {
    await adapter.setup({ benchmarkId: id, rng: createRng(3), log: quiet, signal: signal() });
  } catch (err) {
    await adapter.teardown({ benchmarkId: id, log: quiet, failed: true });
    throw err;
  }
  return adapter;
}

export const closeAdapter = (a: VectorAdapter) => a.teardown({ benchmarkId: 'bench_1', log: quiet, failed: false });

/** prepare → execute → release, as the runner does; errors become failed results. */
export async function runOp(a: VectorAdapter, operation: string, rng: Rng): Promise<{ op: VectorOp; result: OperationResult }> {
  const op = a.prepare(operation, rng);
  let result: OperationResult;
  try {
    result = await a.execute(op, signal());
  } catch (err) {
    result = classifyThrown(err, false, false);
  }
  a.release(op);
  return { op, result };
}

/** Mean recall over `count` runs of a search operation (every one must succeed). */
export async function meanRecall(a: VectorAdapter, operation: string, count: number, seed = 11): Promise<{ mean: number; all: number[] }> {
  const rng = createRng(seed);
  const all: number[] = [];
  for (let i = 0; i < count; i++) {
    const { result } = await runOp(a, operation, rng);
    if (!result.ok) throw new Error(`${operation} failed: ${result.message}`);
    all.push(result.extra?.recall as number);
  }
  return { mean: all.reduce((x, y) => x + y, 0) / all.length, all };
}
