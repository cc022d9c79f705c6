import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/build.js';
import type { MetricDeclaration } from '../../src/services/contract.js';
import { sampleAt, storeWith } from './fixtures.js';

// A backend the core has never heard of: its figures reach the report by their declarations alone.
const declared: MetricDeclaration[] = [
  { name: 'queue_ms', kind: 'trend', unit: 'ms', description: 'time the request waited in the server queue' },
  { name: 'retries', kind: 'counter', unit: 'count', description: 'retries the server made', perOperation: true },
  { name: 'cache_hit', kind: 'rate', unit: 'fraction', description: 'answered from the cache', reportAs: 'cache' },
];

test('declared metrics of an unknown backend are summed up by kind and placed as declared, per operation when asked', (t) => {
  const samples = Array.from({ length: 100 }, (_, i) =>
    sampleAt(1000 + i * 5, 10, { operation: i % 2 ? 'a' : 'b', extra: { queue_ms: i, retries: i % 2, cache_hit: i % 4 === 0 ? 1 : 0, other: 'kept out' } }),
  );
  const store = storeWith('decl', 'services: []\n', samples, [{ serviceType: 'newthing', load: { mode: 'closed', clients: 1, metrics: declared } }]);
  t.after(() => store.close());
  const s = buildReport(store.db, 'decl').services.svc!;
  const queue = s.metrics!.queue_ms as { count: number; min: number; max: number };
  assert.deepEqual([queue.count, queue.min, queue.max], [100, 0, 0.099], 'a trend of ms is summarised in seconds, as every latency in the report');
  assert.equal(s.metrics!.retries, 50);
  assert.deepEqual((s as unknown as { cache: unknown }).cache, { mean: 0.25, min: 0, count: 100 });
  assert.equal(s.operations.a!.metrics!.retries, 50);
  assert.equal(s.operations.b!.metrics, undefined, 'no retries in b: a counter of 0 is not shown');
  assert.equal(s.metrics!.other, undefined, 'undeclared extras are not figures');
});

test('without declarations stored (a run of another backend), extras are not read as figures', (t) => {
  const store = storeWith('none', 'services: []\n', [sampleAt(1000, 10, { extra: { ttfb_ms: 3 } })], [{ load: { mode: 'closed', clients: 1 } }]);
  t.after(() => store.close());
  const s = buildReport(store.db, 'none').services.svc!;
  assert.equal(s.ttfb, undefined);
  assert.equal(s.metrics, undefined);
});

test('a run stored before backends declared their metrics reports them from its backend’s declarations (S3 TTFB)', (t) => {
  const samples = Array.from({ length: 20 }, (_, i) => sampleAt(1000 + i * 5, 10, { operation: 'get', extra: { ttfb_ms: 4 } }));
  const store = storeWith('old', 'services: []\n', samples, [{ serviceType: 's3', load: { mode: 'closed', clients: 1 } }]);
  t.after(() => store.close());
  const s = buildReport(store.db, 'old').services.svc!;
  assert.equal(s.ttfb?.count, 20);
  assert.equal(s.ttfb?.p50, 0.004);
});
