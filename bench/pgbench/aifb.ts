import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { DEFAULT_SPOOL_ROWS } from '../../src/metrics/spool.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { buildReport } from '../../src/report/build.js';
import { builtinRegistry, CATALOG_MODULE } from '../../src/services/catalog.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import type { Conn, Figures } from './pgbench.js';

const registry = builtinRegistry;

/**
 * The pgbench job as one aifb PostgreSQL service (the password through `${BENCH_PGPASSWORD}`);
 * `extra` is more service lines, each indented four spaces and ending in a newline.
 */
export function pgbenchRecipe(name: string, service: string, c: Conn, preset: 'select-only' | 'tpcb', clients: number, seconds: number, rows: number, extra = ''): string {
  return `benchmark: {name: ${name}}
services:
  - service_name: ${service}
    service_type: postgresql
    host: ${c.host}
    port: ${c.port}
    user: ${c.user}
    database: ${c.database}
    password: \${BENCH_PGPASSWORD}
    preset: ${preset}
    initial_rows: ${rows}
    row_size: 84
    duration: ${seconds}s
${extra}    load: {clients: ${clients}}
`;
}

/**
 * aifb's preset on the same server: a closed loop of `clients` (one connection each),
 * the table loaded like pgbench's accounts (rows, 84-byte filler). TPS is completed
 * operations per second of the measured window; latency is the mean from intended start.
 * `generators` > 1 spreads the clients over as many worker threads (each with a table of its own).
 */
export async function aifbRun(c: Conn, preset: 'select-only' | 'tpcb', clients: number, seconds: number, rows: number, generators = 1): Promise<Figures & { loadLine: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'aifb-pgbench-'));
  const lines: string[] = [];
  try {
    const text = pgbenchRecipe('pgbench-side-by-side', preset, c, preset, clients, seconds, rows, `    timeout: 30s\n${generators > 1 ? `    generators: ${generators}\n` : ''}`);
    const plan = loadRecipeText(text, join(dir, 'recipe.yaml'), { registry, env: { BENCH_PGPASSWORD: c.password } });
    // As `aifb run` opens it: rows committed, and the report's aggregates kept, by the writer thread.
    const store = new MetricsStore(join(dir, 'metrics.db'), { background: true, aggregates: true, spool: DEFAULT_SPOOL_ROWS });
    const clock = systemClock();
    const id = `bench_${preset.replace('-', '_')}_${process.pid}`;
    const log = createLogger('info', (l) => lines.push(l));
    store.beginRun(
      { benchmarkId: id, name: plan.name, description: undefined, recipeFile: 'recipe.yaml', recipeText: plan.redactedText, recipeHash: plan.recipeHash, provenance: collectProvenance() },
      clock.now(),
      (m) => clock.wallAt(m),
    );
    const stop = new AbortController();
    const result = await runBenchmark(plan, { benchmarkId: id, registry, store, clock, log, stop: stop.signal, maxWorkers: 1, sequential: true, registryModule: CATALOG_MODULE });
    store.finishRun(result.status, clock.now());
    const report = buildReport(store.db, id);
    store.close();
    const s = report.services[preset];
    if (result.status !== 'complete' || !s) throw new Error(`aifb run ${result.status}: ${JSON.stringify(result.services)}\n${lines.join('\n')}`);
    if (s.requests.failed > 0) throw new Error(`aifb: ${s.requests.failed} failed operations: ${JSON.stringify(s.errors)}`);
    return {
      tps: s.throughput.requests_per_second,
      latencyMs: (s.timing.avg_duration ?? NaN) * 1000,
      transactions: s.requests.total,
      loadLine: lines.find((l) => l.includes('load phase')) ?? '',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
