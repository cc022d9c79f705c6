import { hostname } from 'node:os';
import { runBenchmark, type BenchmarkResult } from '../engine/orchestrator.js';
import { collectProvenance } from '../metrics/provenance.js';
import { MetricsStore } from '../metrics/store.js';
import { loadRecipeFile } from '../recipe/load.js';
import type { Override } from '../recipe/overrides.js';
import { builtinRegistry, CATALOG_MODULE } from '../services/catalog.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { writeShardMeta } from './merge.js';
import { serviceLauncher } from './service-launcher.js';
import { shardPlan } from './shard.js';

export interface ShardRunOptions {
  recipeFile: string;
  /** This generator's index (SLURM_PROCID under srun). */
  index: number;
  benchmarkId: string;
  /** The shard's own SQLite file. */
  db: string;
  /** Run only this service's share (local generators of one service). */
  only?: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  stop: AbortSignal;
  maxWorkers?: number;
  /** The run's command-line overrides, applied as the parent applied them. */
  overrides?: readonly Override[];
}

/**
 * Runs one load generator: its share of every service into its own database, which
 * `aifb merge` (or the parent aifb) combines with the other shards into one run.
 */
export async function runShard(o: ShardRunOptions): Promise<BenchmarkResult> {
  const full = loadRecipeFile(o.recipeFile, { registry: builtinRegistry, env: o.env, overrides: o.overrides });
  const plan = shardPlan(full, o.index, o.only);
  const store = new MetricsStore(o.db, { background: true });
  const clock = systemClock();
  const origin = clock.now();
  store.beginRun(
    {
      benchmarkId: o.benchmarkId,
      name: plan.name,
      description: plan.description,
      recipeFile: o.recipeFile,
      recipeText: plan.redactedText,
      recipeHash: plan.recipeHash,
      provenance: collectProvenance(o.env),
    },
    origin,
    (m) => clock.wallAt(m),
  );
  writeShardMeta(store.db, o.benchmarkId, {
    index: o.index,
    host: hostname(),
    slurmJobId: o.env.SLURM_JOB_ID ?? null,
    slurmProcid: o.env.SLURM_PROCID ?? null,
    node: o.env.SLURMD_NODENAME ?? null,
  });
  o.log.info(`generator ${o.index}: ${plan.services.map((s) => s.name).join(', ') || 'no share of any service'}; writing ${o.db}`);
  let result: BenchmarkResult = { status: 'complete', services: [], badInput: false };
  try {
    if (plan.services.length > 0) {
      result = await runBenchmark(plan, {
        benchmarkId: o.benchmarkId,
        registry: builtinRegistry,
        // A generator task's services run in parallel: each on a thread of its own, as in aifb run.
        registryModule: CATALOG_MODULE,
        store,
        clock,
        log: o.log,
        stop: o.stop,
        maxWorkers: o.maxWorkers ?? 10,
        sequential: false,
        launcher: serviceLauncher,
      });
    }
  } finally {
    store.finishRun(o.stop.aborted ? 'partial' : result.status, clock.now());
    store.close();
  }
  return result;
}
