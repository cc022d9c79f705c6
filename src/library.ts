import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { runBenchmark } from './engine/orchestrator.js';
import type { BenchmarkResult, RunObserver } from './engine/types.js';
import { serviceLauncher } from './launch/service-launcher.js';
import { collectProvenance } from './metrics/provenance.js';
import { MetricsStore } from './metrics/store.js';
import { DEFAULT_SPOOL_ROWS, spoolRowsOf } from './metrics/spool.js';
import { loadRecipeFile } from './recipe/load.js';
import type { Plan } from './recipe/types.js';
import { buildReport } from './report/build.js';
import type { Report } from './report/types.js';
import { builtinRegistry, CATALOG_MODULE } from './services/catalog.js';
import type { BackendRegistry } from './services/registry.js';
import { systemClock } from './util/clock.js';
import { createLogger, toLogLevel, type Logger } from './util/log.js';

export interface RunRecipeOptions {
  /** The metrics database; default the recipe's `global.metrics_db`, relative to `cwd`. */
  metricsDb?: string;
  benchmarkId?: string;
  /** Where relative paths of the recipe resolve (default the process's). */
  cwd?: string;
  /** `${VAR}` references resolve from it (default process.env). */
  env?: NodeJS.ProcessEnv;
  registry?: BackendRegistry;
  log?: Logger;
  /** Aborting it ends the load; the run is then partial and still reported. */
  stop?: AbortSignal;
  maxWorkers?: number;
  sequential?: boolean;
  observers?: RunObserver[];
}

export interface RecipeRun {
  benchmarkId: string;
  metricsDb: string;
  plan: Plan;
  result: BenchmarkResult;
  report: Report;
}

/**
 * What `aifb run` does, for a program: loads and checks the recipe, starts what it says,
 * drives every service into a metrics database, and builds the report from that database
 * (no terminal, no files but the database; write the report with the report module).
 */
export async function runRecipe(file: string, o: RunRecipeOptions = {}): Promise<RecipeRun> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const registry = o.registry ?? builtinRegistry;
  const plan = loadRecipeFile(isAbsolute(file) ? file : resolve(cwd, file), { registry, env });
  const log = o.log ?? createLogger(toLogLevel(plan.global.logLevel));
  const metricsDb = resolve(cwd, o.metricsDb ?? plan.global.metricsDb);
  const benchmarkId = o.benchmarkId ?? `benchmark_${Math.floor(Date.now() / 1000)}_${randomBytes(2).toString('hex')}`;
  const store = new MetricsStore(metricsDb, { background: true, aggregates: true, spool: spoolRowsOf(env) ?? DEFAULT_SPOOL_ROWS });
  const clock = systemClock();
  const run = { benchmarkId, name: plan.name, description: plan.description, recipeFile: plan.sourceFile, recipeText: plan.redactedText, recipeHash: plan.recipeHash };
  store.beginRun({ ...run, provenance: collectProvenance(env) }, clock.now(), (m) => clock.wallAt(m));
  try {
    const result = await runBenchmark(plan, {
      benchmarkId,
      registry,
      // Service threads load the registry by module: only the built-in one can be named so.
      ...(registry === builtinRegistry ? { registryModule: CATALOG_MODULE } : { threads: 'one' as const }),
      launcher: serviceLauncher,
      launch: { logsDir: resolve(cwd, plan.global.logsDir), recipeFile: plan.sourceFile },
      store,
      clock,
      log,
      stop: o.stop ?? new AbortController().signal,
      maxWorkers: o.maxWorkers ?? 10,
      sequential: o.sequential ?? false,
      observers: o.observers ?? [],
    });
    store.finishRun(result.status, clock.now());
    store.saveAggregates();
    return { benchmarkId, metricsDb, plan, result, report: buildReport(store.db, benchmarkId, new Date(), undefined, true) };
  } finally {
    store.close();
  }
}
