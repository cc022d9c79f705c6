import type { Dataset } from './dataset.js';
import type { EngineCall, VectorEngine } from './engine.js';
import type { VectorFields } from './fields.js';
import { tagOf } from './truth.js';

/**
 * The load phase as measured, VectorDBBench's "load" case: bulk insert in batches, then
 * the index build or optimise step, each timed on its own. `vectorsPerSecond` is over
 * the whole phase (train + insert + build); `insertVectorsPerSecond` over inserts alone.
 */
export interface VectorLoadPhase {
  vectors: number;
  dimension: number;
  batchSize: number;
  concurrency: number;
  trainSeconds: number;
  insertSeconds: number;
  buildSeconds: number;
  seconds: number;
  vectorsPerSecond: number;
  insertVectorsPerSecond: number;
  /** The same steps as timed inside the engine, when it reports them (Faiss's worker). */
  engine?: { trainSeconds: number; insertSeconds: number; buildSeconds: number };
  /** How each ground truth was obtained (cache, computed, the data set's file) and what it cost. */
  truth: { filter: string; source: string; seconds: number; path?: string }[];
}

async function timed(fn: () => Promise<EngineCall | undefined>): Promise<{ seconds: number; engineMs: number | undefined }> {
  const started = performance.now();
  const call = await fn();
  return { seconds: (performance.now() - started) / 1000, engineMs: call?.engineMs };
}

/** Trains (when the engine needs it), inserts every base vector in batch_size batches, then builds. */
export async function loadVectors(engine: VectorEngine, ds: Dataset, f: VectorFields, signal: AbortSignal): Promise<Omit<VectorLoadPhase, 'truth'>> {
  const train = engine.train ? await timed(() => engine.train!(ds.base)) : { seconds: 0, engineMs: 0 };
  const batch = Math.max(1, f.batch_size);
  let next = 0;
  let engineInsertMs = 0;
  let reported = true;
  let failed = false;
  const worker = async () => {
    while (next < ds.n && !failed) {
      signal.throwIfAborted();
      const from = next;
      const to = Math.min(ds.n, from + batch);
      next = to;
      const ids = Array.from({ length: to - from }, (_, i) => from + i);
      try {
        const call = await engine.insert({ ids, vectors: ds.base.subarray(from * ds.d, to * ds.d), tags: ids.map(tagOf) }, signal);
        if (call.engineMs === undefined) reported = false;
        else engineInsertMs += call.engineMs;
      } catch (err) {
        failed = true; // the other workers stop at their next batch
        throw err;
      }
    }
  };
  const concurrency = Math.max(1, Math.min(f.load_concurrency, Math.ceil(ds.n / batch)));
  const insert = await timed(async () => {
    await Promise.all(Array.from({ length: concurrency }, worker));
    return undefined;
  });
  const build = engine.build ? await timed(() => engine.build!(signal)) : { seconds: 0, engineMs: 0 };
  const seconds = train.seconds + insert.seconds + build.seconds;
  const phase: Omit<VectorLoadPhase, 'truth'> = {
    vectors: ds.n,
    dimension: ds.d,
    batchSize: batch,
    concurrency,
    trainSeconds: train.seconds,
    insertSeconds: insert.seconds,
    buildSeconds: build.seconds,
    seconds,
    vectorsPerSecond: seconds > 0 ? ds.n / seconds : 0,
    insertVectorsPerSecond: insert.seconds > 0 ? ds.n / insert.seconds : 0,
  };
  if (reported && train.engineMs !== undefined && build.engineMs !== undefined) {
    phase.engine = { trainSeconds: train.engineMs / 1000, insertSeconds: engineInsertMs / 1000, buildSeconds: build.engineMs / 1000 };
  }
  return phase;
}
