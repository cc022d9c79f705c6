/**
 * The sample pipeline on its own: histogram recording, SQLite inserts, memory and report
 * time of a long run, with a null backend so only aifb's own cost is measured.
 *   node --import tsx bench/pipeline/run.ts [--requests 10000000]
 * Targets (issue 10): ≥ 1,000,000 samples/s into histograms; ≥ 300,000 rows/s into SQLite;
 * a 10-million-request run under 300 MB resident; its report in under 10 s (built, as
 * aifb run does, from the aggregates the writer thread kept while it committed rows;
 * `aifb report` of the finished run from the aggregates saved then, and a report with no
 * saved aggregates at all, which re-reads every row, are timed beside it).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Distribution } from '../../src/metrics/distribution.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { buildReport } from '../../src/report/build.js';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { BackendRegistry } from '../../src/services/registry.js';
import type { BackendDefinition } from '../../src/services/contract.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { createRng } from '../../src/util/rng.js';
import type { Sample } from '../../src/metrics/sample.js';
import { printTable, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000000' } } });
const requests = Number(values.requests);

// 1. Histograms.
const rng = createRng(1);
const vals = Float64Array.from({ length: 1_000_000 }, () => rng.exponential() * 5);
const d = new Distribution();
let t = performance.now();
for (let round = 0; round < 5; round++) for (let i = 0; i < vals.length; i++) d.record(vals[i]!);
const histRate = 5_000_000 / ((performance.now() - t) / 1000);

// 2. SQLite inserts through the store.
const dir = tempDir('aifb-pipeline-');
const store = new MetricsStore(join(dir, 'rows.db'));
store.beginRun({ benchmarkId: 'rows', name: 'rows', description: undefined, recipeFile: '-', recipeText: '', recipeHash: '', provenance: collectProvenance() }, 0, (m) => m);
const sample: Sample = { service: 's', clientId: 1, operation: 'op', intendedStart: 1, actualStart: 1.1, end: 3, ok: true, status: 200, errorClass: null, message: null, bytesIn: 100, bytesOut: 10 };
const N = 1_000_000;
t = performance.now();
for (let i = 0; i < N; i++) store.append(sample);
store.flush();
const rowRate = N / ((performance.now() - t) / 1000);
store.close();

// 3. A long run with a null backend: resident memory and report time.
const nullBackend: BackendDefinition = {
  serviceTypes: ['nullsvc'], isDefault: true, description: 'does nothing', fields: {}, operations: ['op'], defaultMix: { op: 1 },
  load: async () => ({ createAdapter: () => ({ async setup() {}, prepare: () => undefined, execute: async () => ({ ok: true, bytesIn: 10 }), async teardown() {} }) }),
};
const registry = new BackendRegistry([nullBackend]);
const plan = loadRecipeText(`services:\n  - {service_name: n, service_type: nullsvc, load: {clients: 64, requests: ${requests}}}\n`, 'r.yaml', { registry, env: {} });
// As aifb run does: rows are committed, and the report's aggregates kept, by the writer thread.
const runStore = new MetricsStore(join(dir, 'run.db'), { background: true, aggregates: true });
const clock = systemClock();
runStore.beginRun({ benchmarkId: 'run', name: 'run', description: undefined, recipeFile: '-', recipeText: '', recipeHash: '', provenance: collectProvenance() }, clock.now(), (m) => clock.wallAt(m));
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
t = performance.now();
await runBenchmark(plan, { benchmarkId: 'run', registry, store: runStore, clock, log: createLogger('error'), stop: new AbortController().signal, maxWorkers: 1, sequential: true });
const runSeconds = (performance.now() - t) / 1000;
runStore.finishRun('complete', clock.now());
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
t = performance.now();
// As aifb run does at its end: the writer saves its aggregates, the report starts from them.
runStore.saveAggregates();
const report = buildReport(runStore.db, 'run', new Date(), undefined, true);
const reportSeconds = (performance.now() - t) / 1000;
// `aifb report` of the finished run: from the saved aggregates.
t = performance.now();
buildReport(runStore.db, 'run');
const savedSeconds = (performance.now() - t) / 1000;
// The worst case: a run killed before the writer's first save (5 s in) has none, and its
// report reads every row. (A run killed later reads only the rows after the last save.)
runStore.db.prepare('DELETE FROM report_states').run();
t = performance.now();
buildReport(runStore.db, 'run');
const rereadSeconds = (performance.now() - t) / 1000;
runStore.close();
rmSync(dir, { recursive: true, force: true });

const total = report.services.n!.requests.total;
printTable([
  ['figure', 'measured', 'target'],
  ['samples/s into histograms', histRate.toFixed(0), '≥ 1,000,000'],
  ['rows/s into SQLite', rowRate.toFixed(0), '≥ 300,000'],
  [`run of ${total} requests: req/s (null backend)`, (total / runSeconds).toFixed(0), '-'],
  ['peak resident memory (MB)', (peakRss / 2 ** 20).toFixed(0), '< 300'],
  [`report of ${total} samples at the run's end (s)`, reportSeconds.toFixed(2), '< 10'],
  [`aifb report of the finished run, from its saved aggregates (s)`, savedSeconds.toFixed(2), '< 10'],
  [`report with no saved aggregates: re-reading ${total} rows (s)`, rereadSeconds.toFixed(2), '-'],
]);
writeResult('pipeline', { histogram_samples_per_s: histRate, sqlite_rows_per_s: rowRate, run_requests: total, run_requests_per_s: total / runSeconds, peak_rss_mb: peakRss / 2 ** 20, report_seconds: reportSeconds, saved_report_seconds: savedSeconds, reread_report_seconds: rereadSeconds });
