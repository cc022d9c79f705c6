import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { buildReport } from '../../src/report/build.js';

/** A real HTTP server that serves one request at a time, 10 ms each: about 100 req/s at most. */
async function serialServer(t: { after(fn: () => Promise<void>): void }) {
  let busyUntil = 0;
  const server = createServer((req, res) => {
    req.resume();
    const start = Math.max(Date.now(), busyUntil);
    busyUntil = start + 10;
    setTimeout(() => res.end('ok'), busyUntil - Date.now());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function run(recipe: string) {
  const plan = loadRecipeText(recipe, 'r.yaml', { registry: builtinRegistry, env: {} });
  const store = new MetricsStore(':memory:');
  const clock = systemClock();
  store.beginRun({ benchmarkId: 's', name: 's', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  const result = await runBenchmark(plan, {
    benchmarkId: 's', registry: builtinRegistry, store, clock, log: createLogger('error', () => {}), stop: new AbortController().signal, maxWorkers: 4, sequential: false,
  });
  store.flush();
  return { result, store };
}

test('a sweep runs one measured step per rate, each a service of its own', async (t) => {
  const url = await serialServer(t);
  const { result, store } = await run(`services:
  - service_name: web
    service_type: http
    url: ${url}
    load: {arrival: constant, max_in_flight: 64, sweep: {rates: [20, 40, 80], step_duration: 1s}}
`);
  assert.equal(result.status, 'complete');
  const steps = store.db.prepare(`SELECT service_name, step_value, scheduled FROM services WHERE step_group = 'web' ORDER BY step_value`).all() as { service_name: string; step_value: number; scheduled: number }[];
  assert.deepEqual(steps.map((s) => s.service_name), ['web@rate=20', 'web@rate=40', 'web@rate=80']);
  assert.deepEqual(steps.map((s) => s.scheduled), [20, 40, 80]);
  const group = store.db.prepare('SELECT kind, variable, result FROM step_groups').get() as { kind: string; variable: string; result: string };
  assert.equal(group.kind, 'sweep');
  assert.equal(JSON.parse(group.result).steps.length, 3);
  const report = buildReport(store.db, 's');
  const sweep = report.sweeps.web!;
  assert.deepEqual(sweep.steps.map((x) => x.value), [20, 40, 80]);
  assert.ok(sweep.steps.every((x) => Math.abs(x.achieved_rate! - x.value) / x.value < 0.05), JSON.stringify(sweep.steps));
  assert.deepEqual(sweep.points.map((p) => p.id), ['sweep-latency', 'sweep-goodput']);
  store.close();
});

test('a search finds the highest rate at which the SLO holds, by bisection', async (t) => {
  const url = await serialServer(t);
  const { store } = await run(`services:
  - service_name: web
    service_type: http
    url: ${url}
    slo: {e2el_ms: 60}
    load: {arrival: constant, max_in_flight: 256, search: {min_rate: 20, max_rate: 320, steps: 4, target: 0.95, step_duration: 1s}}
`);
  const group = store.db.prepare('SELECT result FROM step_groups').get() as { result: string };
  const r = JSON.parse(group.result) as { best_rate: number; steps: { value: number; passed: boolean }[] };
  // 20 passes, 320 fails (3x capacity), then 170 fails, 95 passes or not, … capacity is ~100 req/s.
  assert.equal(r.steps[0]!.passed, true);
  assert.equal(r.steps[1]!.passed, false);
  assert.ok(r.best_rate >= 50 && r.best_rate <= 110, `best ${r.best_rate} from ${JSON.stringify(r.steps)}`);
  assert.ok(r.steps.filter((s) => s.passed).every((s) => s.value <= r.best_rate));
  const report = buildReport(store.db, 's');
  assert.equal(report.sweeps.web!.kind, 'search');
  assert.equal(report.sweeps.web!.best_rate, r.best_rate);
  const first = report.services['web@rate=20']!;
  assert.ok(first.goodput!.fraction! >= 0.95, 'the passing step has its goodput in the report');
  assert.equal(first.goodput!.slo.e2elMs, 60);
  store.close();
});
