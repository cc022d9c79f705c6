import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { BackendRegistry } from '../../src/services/registry.js';
import type { BackendDefinition } from '../../src/services/contract.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';

/** A backend whose operations sleep 2 ms of real time; setup fails when the recipe says so. */
const sleeper: BackendDefinition = {
  serviceTypes: ['http'],
  isDefault: true,
  description: 'test sleeper',
  fields: {},
  operations: ['request'],
  defaultMix: { request: 1 },
  load: async () => ({
    createAdapter: (spec) => ({
      async setup() {
        if (spec.fields.description === 'broken') throw new Error('cannot reach the service');
        if (spec.fields.description === 'slow') await new Promise((r) => setTimeout(r, 400));
      },
      prepare: () => undefined,
      execute: () => new Promise((r) => setTimeout(() => r({ ok: true }), 2)),
      async teardown() {},
    }),
  }),
};

async function run(sequential: boolean) {
  const registry = new BackendRegistry([sleeper]);
  const plan = loadRecipeText(
    `services:
  - {service_name: a, service_type: http, duration: 0.3, load: {clients: 1}}
  - {service_name: b, service_type: http, duration: 0.3, load: {clients: 1}, description: broken}
  - {service_name: c, service_type: http, duration: 0.3, load: {clients: 1}}
`,
    'r.yaml',
    { registry, env: {} },
  );
  const store = new MetricsStore(':memory:');
  const clock = systemClock();
  store.beginRun({ benchmarkId: 'x', name: 'x', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  const result = await runBenchmark(plan, {
    benchmarkId: 'x', registry, store, clock, log: createLogger('error', () => {}), stop: new AbortController().signal, maxWorkers: 10, sequential,
  });
  store.flush();
  const windows = store.db.prepare('SELECT service_name, window_start, window_end, status, error FROM services ORDER BY service_name').all() as {
    service_name: string; window_start: number | null; window_end: number | null; status: string; error: string | null;
  }[];
  store.close();
  return { result, windows };
}

test('services run in parallel by default; a failing one is recorded and the others go on', async () => {
  const { result, windows } = await run(false);
  assert.equal(result.status, 'failed');
  assert.deepEqual(result.services.map((s) => s.status), ['complete', 'failed', 'complete']);
  const [a, b, c] = windows;
  assert.equal(b!.status, 'failed');
  assert.match(b!.error!, /cannot reach the service/);
  assert.ok(c!.window_start! < a!.window_end!, 'a and c overlap');
});

test('--sequential runs services one after another', async () => {
  const { windows } = await run(true);
  const [a, , c] = windows;
  assert.ok(c!.window_start! >= a!.window_end!, `c starts ${c!.window_start} after a ends ${a!.window_end}`);
});

test('parallel services start their loads together, after every setup (a slow setup never overlaps a measured window)', async () => {
  const registry = new BackendRegistry([sleeper]);
  const plan = loadRecipeText(
    `services:
  - {service_name: fast, service_type: http, duration: 0.3, load: {clients: 1}}
  - {service_name: slow, service_type: http, duration: 0.3, load: {clients: 1}, description: slow}
`,
    'r.yaml',
    { registry, env: {} },
  );
  const store = new MetricsStore(':memory:');
  const clock = systemClock();
  store.beginRun({ benchmarkId: 'g', name: 'g', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  await runBenchmark(plan, { benchmarkId: 'g', registry, store, clock, log: createLogger('error', () => {}), stop: new AbortController().signal, maxWorkers: 10, sequential: false });
  const w = store.db.prepare('SELECT service_name, window_start FROM services ORDER BY service_name').all() as { service_name: string; window_start: number }[];
  const [fast, slow] = w;
  assert.ok(fast!.window_start >= 0.39, `the fast service waited for the slow setup (started at ${fast!.window_start} s)`);
  assert.ok(Math.abs(fast!.window_start - slow!.window_start) < 0.05, JSON.stringify(w));
  store.close();
});
