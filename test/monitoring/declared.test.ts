import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LiveStats } from '../../src/engine/live.js';
import type { MetricDeclaration } from '../../src/metrics/declaration.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import type { Sample } from '../../src/metrics/sample.js';
import { MetricsStore, openMetricsDb } from '../../src/metrics/store.js';
import { BenchmarkCells } from '../../src/monitoring/cells.js';
import { declaredSeriesName } from '../../src/monitoring/declared.js';
import { cellsFromDb } from '../../src/monitoring/from-db.js';
import { MetricsObserver } from '../../src/monitoring/observer.js';
import { createBenchmarkRegistry } from '../../src/monitoring/registry.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { tempDir } from './helpers.js';

// A backend the core has never heard of: its figures reach Prometheus by their declarations alone.
const declared: MetricDeclaration[] = [
  { name: 'queue_ms', kind: 'trend', unit: 'ms', description: 'time in the server queue', operations: ['get'] },
  { name: 'gaps', kind: 'trend', unit: 'ms', description: 'gaps between chunks ([gap, count] pairs)' },
  { name: 'hit', kind: 'rate', unit: 'fraction', description: 'answered from the cache' },
  { name: 'retries', kind: 'counter', unit: 'count', description: 'retries the server made', operations: ['get'] },
  { name: 'requests', kind: 'counter', unit: 'count', description: 'spells a fixed series: left out' },
];

const spec = { name: 'kv', type: 'newthing', mix: [{ operation: 'get', weight: 1 }, { operation: 'put', weight: 1 }] } as unknown as ServiceSpec;

/** Every 5th request fails (with a queue of 9 s that must not count); gets carry queue and retries, all carry gaps and hits. */
function sample(i: number): Sample {
  const ok = i % 5 !== 0;
  const get = i % 2 === 0;
  return {
    service: 'kv', clientId: 0, operation: get ? 'get' : 'put', intendedStart: i, actualStart: i, end: i + 3, ok,
    status: ok ? 200 : 500, errorClass: ok ? null : 'http_5xx', message: null, bytesIn: 1, bytesOut: 1,
    extra: { ...(get ? { queue_ms: ok ? 20 : 9000, retries: 1 } : {}), gaps: [[2, 3], [40, 1]], hit: i % 4 === 0 ? 1 : 0, requests: 7 },
  };
}

function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const l = (op: string, more = '') => `{benchmark_id="b1",service="kv",operation="${op}"${more}}`;

test('declared metrics are exported by kind: trends as histograms in seconds, rates as gauges, counters as counters', async () => {
  assert.deepEqual(declared.map(declaredSeriesName), ['benchmark_queue_seconds', 'benchmark_gaps_seconds', 'benchmark_hit', 'benchmark_retries_total', 'benchmark_requests_total']);
  const cells = new BenchmarkCells('b1');
  const registry = createBenchmarkRegistry(cells, () => 0);
  const observer = new MetricsObserver(cells, () => 0, {}, () => declared);
  observer.serviceStarted(spec, new LiveStats());
  const before = parse(await registry.metrics());
  assert.equal(before.get(`benchmark_retries_total${l('get')}`), 0, 'a counter exists at 0 from the start');
  assert.equal(before.get(`benchmark_retries_total${l('put')}`), undefined, 'only for the operations that emit it');
  for (let i = 0; i < 100; i++) observer.sample(spec, sample(i));
  const m = parse(await registry.metrics());
  const okGets = Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 2 === 0 && i % 5 !== 0).length;
  assert.equal(m.get(`benchmark_queue_seconds_count${l('get')}`), okGets, 'latency-like: successful requests only');
  assert.ok(Math.abs(m.get(`benchmark_queue_seconds_sum${l('get')}`)! - okGets * 0.02) < 1e-9, 'in seconds');
  assert.equal(m.get(`benchmark_queue_seconds_bucket${l('get', ',le="0.025"')}`), okGets);
  assert.equal(m.get(`benchmark_queue_seconds_bucket${l('get', ',le="0.01"')}`), 0);
  assert.equal(m.get(`benchmark_queue_seconds_count${l('put')}`), undefined);
  const okPuts = Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 5 !== 0).length;
  assert.equal(m.get(`benchmark_gaps_seconds_count${l('put')}`), okPuts * 4, '[gap, count] pairs count each gap');
  assert.equal(m.get(`benchmark_gaps_seconds_bucket${l('put', ',le="0.0025"')}`), okPuts * 3);
  assert.equal(m.get(`benchmark_hit${l('get')}`), 0.5, 'every 4th request hits: half of the gets');
  assert.equal(m.get(`benchmark_hit${l('put')}`), 0);
  assert.equal(m.get(`benchmark_retries_total${l('get')}`), 50, 'a failed request’s retries count');
  assert.equal(m.get(`benchmark_requests_total${l('get')}`), 50, 'the fixed series, not the declared counter of the same name');
  assert.match(await registry.metrics(), /# HELP benchmark_queue_seconds time in the server queue \(declared by the backend; successful requests\)\.\n# TYPE benchmark_queue_seconds histogram/);
});

test('declared metrics from the database: the same series as counted live', async (t) => {
  const dir = tempDir(t);
  const store = new MetricsStore(join(dir, 'metrics.db'));
  store.beginRun({ benchmarkId: 'b1', name: 'x', description: undefined, recipeFile: 'x', recipeText: '', recipeHash: '', provenance: collectProvenance() }, 0, (m) => 1.7e12 + m);
  for (let i = 0; i < 100; i++) store.append(sample(i));
  store.saveService({ serviceName: 'kv', serviceType: 'newthing', backend: undefined, status: 'complete', load: { metrics: declared }, windowStart: 0, windowEnd: 1000, dropped: 0 });
  store.close();
  const db = openMetricsDb(join(dir, 'metrics.db'));
  t.after(() => db.close());
  const fromDb = parse(await createBenchmarkRegistry(cellsFromDb(db, 'b1'), () => 0).metrics());
  const cells = new BenchmarkCells('b1');
  const registry = createBenchmarkRegistry(cells, () => 0);
  const observer = new MetricsObserver(cells, () => 0, {}, () => declared);
  observer.serviceStarted(spec, new LiveStats());
  for (let i = 0; i < 100; i++) observer.sample(spec, sample(i));
  const live = parse(await registry.metrics());
  const names = /^benchmark_(queue_seconds|gaps_seconds|hit|retries_total)/;
  const declaredKeys = [...live.keys()].filter((k) => names.test(k));
  assert.ok(declaredKeys.length > 40, `${declaredKeys.length} declared series`);
  for (const k of declaredKeys) assert.equal(fromDb.get(k), live.get(k), k);
});
