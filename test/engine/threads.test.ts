import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runBenchmark, type RunObserver } from '../../src/engine/orchestrator.js';
import { serviceLauncher } from '../../src/launch/service-launcher.js';
import type { LiveStats } from '../../src/engine/live.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { buildReport } from '../../src/report/build.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/cli.js';
import { registry } from '../helpers/thread-registry.js';

const registryModule = new URL('../helpers/thread-registry.ts', import.meta.url).href;

async function run(t: import('node:test').TestContext, services: string, threads: 'per-service' | 'one') {
  const plan = loadRecipeText(`services:\n${services}`, 'r.yaml', { registry, env: {} });
  const path = join(tempDir(t), 'm.db');
  const store = new MetricsStore(path, { background: true, aggregates: true });
  const clock = systemClock();
  store.beginRun({ benchmarkId: 'b', name: 'b', description: undefined, recipeFile: 'r.yaml', recipeText: '', recipeHash: '', provenance: collectProvenance() }, clock.now(), (m) => clock.wallAt(m));
  const seen = new Map<string, number>();
  const lives = new Map<string, LiveStats>();
  const observer: RunObserver = {
    serviceStarted: (spec, live) => void lives.set(spec.name, live),
    sample: (spec) => void seen.set(spec.name, (seen.get(spec.name) ?? 0) + 1),
  };
  const result = await runBenchmark(plan, { benchmarkId: 'b', registry, registryModule, store, clock, log: createLogger('error'), stop: new AbortController().signal, maxWorkers: 10, sequential: false, threads, observers: [observer], launcher: serviceLauncher });
  store.finishRun(result.status, clock.now());
  store.saveAggregates();
  const report = buildReport(store.db, 'b', new Date(), undefined, true);
  store.close();
  const db = new Database(path, { readonly: true });
  t.after(() => db.close());
  return { result, report, seen, lives, db };
}

const pair = `  - {service_name: sync, service_type: syncsvc, duration: 1500ms, load: {clients: 64}}
  - {service_name: timed, service_type: sleepsvc, sleep_ms: 2, duration: 1500ms, load: {clients: 4}}
`;

test('services in parallel run on threads of their own: every row stored once, seen once by observers and the live counters', async (t) => {
  const { result, report, seen, lives, db } = await run(t, pair, 'per-service');
  assert.equal(result.status, 'complete');
  const rows = new Map((db.prepare('SELECT service_name AS s, COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM metrics GROUP BY 1').all() as { s: string; n: number; d: number }[]).map((r) => [r.s, r.n]));
  for (const name of ['sync', 'timed']) {
    const n = rows.get(name) ?? 0;
    assert.ok(n > 0, `${name}: rows ${n}`);
    assert.equal(seen.get(name), n, `${name}: observer saw every row once`);
    assert.equal(lives.get(name)!.completed, n, `${name}: live counter`);
    assert.equal(report.services[name]!.requests.total, n, `${name}: report`);
  }
  const client = db.prepare('SELECT service_name, generator, thread FROM client_load ORDER BY service_name').all();
  assert.deepEqual(client, [
    { service_name: 'sync', generator: 0, thread: 'service' },
    { service_name: 'timed', generator: 0, thread: 'service' },
  ]);
  // The microtask-bound loop saturates its own thread only: the timed service beside it keeps its pace.
  assert.equal(report.services.sync!.client!.saturated, true);
  const timed = report.services.timed!;
  t.diagnostic(`timed: ${timed.throughput.requests_per_second} req/s, p50 ${timed.percentiles.p50} s; sync: ${report.services.sync!.throughput.requests_per_second} req/s`);
  // 4 clients × (2 ms + a timer's slack) each: well over 100 req/s unless starved (it was ~1 req/s beside an embedded engine).
  assert.ok(timed.throughput.requests_per_second > 100, `timed service ${timed.throughput.requests_per_second} req/s`);
});

test('generators: 3 on service threads: client ids distinct, one service record, requests as asked', async (t) => {
  const { result, report, db } = await run(t, `  - {service_name: g, service_type: sleepsvc, generators: 3, load: {clients: 5, requests: 300}}\n`, 'one');
  assert.equal(result.status, 'complete');
  const g = report.services.g!;
  assert.equal(g.requests.total, 300);
  assert.equal(g.clients.count, 5);
  assert.equal(g.load.clients, 5);
  const gens = db.prepare('SELECT generator, requests FROM client_load ORDER BY generator').all() as { generator: number; requests: number }[];
  assert.deepEqual(gens.map((x) => x.generator), [0, 1, 2]);
  assert.equal(gens.reduce((a, x) => a + x.requests, 0), 300);
  const ids = db.prepare('SELECT MIN(client_id) AS lo, MAX(client_id) AS hi FROM metrics').get();
  assert.deepEqual(ids, { lo: 0, hi: 4 });
});

test('--one-thread: both services on the run thread, the same rows', async (t) => {
  const { result, seen, db } = await run(t, pair, 'one');
  assert.equal(result.status, 'complete');
  const client = db.prepare('SELECT service_name, thread FROM client_load ORDER BY service_name').all();
  assert.deepEqual(client, [{ service_name: 'sync', thread: 'main' }, { service_name: 'timed', thread: 'main' }]);
  const n = (db.prepare("SELECT COUNT(*) AS n FROM metrics WHERE service_name = 'timed'").get() as { n: number }).n;
  assert.equal(seen.get('timed'), n);
});
