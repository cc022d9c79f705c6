import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { BackendRegistry } from '../../src/services/registry.js';
import type { BackendDefinition } from '../../src/services/contract.js';
import { ManualClock, systemClock, type Clock } from '../../src/util/clock.js';
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

async function run(recipe: string, { registry = builtinRegistry, clock = systemClock() }: { registry?: BackendRegistry; clock?: Clock } = {}) {
  const plan = loadRecipeText(recipe, 'r.yaml', { registry, env: {} });
  const store = new MetricsStore(':memory:');
  store.beginRun({ benchmarkId: 's', name: 's', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  const result = await runBenchmark(plan, {
    benchmarkId: 's', registry, store, clock, log: createLogger('error', () => {}), stop: new AbortController().signal, maxWorkers: 4, sequential: false,
  });
  store.flush();
  return { result, store };
}

/**
 * A service that serves one request at a time, 8 ms each (125 req/s at most), on the
 * clock it is given. Run on a ManualClock, the whole benchmark sees the queue's latencies
 * alone: which steps meet the SLO is exact, whatever else the machine is doing.
 */
function queueRegistry(clock: Clock): BackendRegistry {
  let busyUntil = 0;
  const queue: BackendDefinition = {
    serviceTypes: ['queue'],
    isDefault: true,
    description: 'one request at a time, 8 ms each',
    fields: {},
    operations: ['request'],
    defaultMix: { request: 1 },
    load: async () => ({
      createAdapter: () => ({
        async setup() {},
        prepare: () => undefined,
        async execute(_op, signal) {
          const start = Math.max(clock.now(), busyUntil);
          busyUntil = start + 8;
          await clock.sleepUntil(busyUntil, signal);
          return { ok: true, status: 200 };
        },
        async teardown() {},
      }),
    }),
  };
  return new BackendRegistry([queue]);
}

/** Runs a recipe on a ManualClock, moving it a millisecond at a time until the run ends. */
async function runOnManualClock(recipe: string) {
  const clock = new ManualClock();
  let finished = false;
  const running = run(recipe, { registry: queueRegistry(clock), clock }).finally(() => (finished = true));
  while (!finished) await clock.advance(1);
  return running;
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

test('a search finds the highest rate at which the SLO holds, by bisection', async () => {
  // The service is a queue of capacity 125 req/s on the run's (manual) clock, so every
  // latency, and so every step's verdict, is exact: below capacity each request takes 8 ms;
  // above it the queue grows and the SLO of 60 ms soon fails. (A real server sharing the
  // machine made the verdicts depend on its load: CI at load 5-8 failed the 20 req/s step.)
  const { store } = await runOnManualClock(`services:
  - service_name: web
    service_type: queue
    slo: {e2el_ms: 60}
    load: {arrival: constant, max_in_flight: 256, search: {min_rate: 20, max_rate: 320, steps: 4, target: 0.95, step_duration: 1s}}
`);
  const group = store.db.prepare('SELECT result FROM step_groups').get() as { result: string };
  const r = JSON.parse(group.result) as { best_rate: number; steps: { value: number; passed: boolean; requests: number; good: number; dropped: number }[] };
  // 20 passes and 320 fails, so the bisection runs its 4 steps between them: 170 fails
  // (queue grows), 95 passes, 133 fails (its queue grows by 0.48 ms a request: past 60 ms
  // from the 109th on), 114 passes (8.8 ms between arrivals, 8 ms of service).
  assert.deepEqual(
    r.steps.map((s) => [s.value, s.passed]),
    [[20, true], [320, false], [170, false], [95, true], [133, false], [114, true]],
    JSON.stringify(r.steps),
  );
  assert.equal(r.best_rate, 114);
  // A step of 1 s at rate r sends r requests (one more when the schedule's float sum puts
  // the last start a hair before the step's end: 171 at 170 req/s).
  for (const s of r.steps) assert.ok(Math.abs(s.requests - s.value) <= 1, `${s.requests} requests at ${s.value} req/s`);
  assert.deepEqual(r.steps.map((s) => s.dropped), [0, 0, 0, 0, 0, 0]);
  const at133 = r.steps[4]!;
  assert.equal(at133.good, 109, 'the requests of the 133 req/s step before its queue passed 60 ms');
  const report = buildReport(store.db, 's');
  assert.equal(report.sweeps.web!.kind, 'search');
  assert.equal(report.sweeps.web!.best_rate, r.best_rate);
  const first = report.services['web@rate=20']!;
  assert.equal(first.goodput!.fraction, 1, 'the passing step has its goodput in the report');
  assert.equal(first.goodput!.slo.e2elMs, 60);
  assert.ok(report.services['web@rate=133']!.goodput!.fraction! < 0.95, 'a failing step\'s goodput is below the target');
  store.close();
});
