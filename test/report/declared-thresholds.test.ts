import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecipeError } from '../../src/errors.js';
import type { LiveStats } from '../../src/engine/live.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { buildReport } from '../../src/report/build.js';
import { evaluateThresholds } from '../../src/report/thresholds.js';
import { ThresholdWatch } from '../../src/report/thresholds-live.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import type { MetricDeclaration } from '../../src/services/contract.js';
import { sampleAt, storeWith } from './fixtures.js';

// A backend the core has never heard of: thresholds reach its figures by their declarations alone.
const declared: MetricDeclaration[] = [
  { name: 'queue_ms', kind: 'trend', unit: 'ms', description: 'time the request waited in the server queue' },
  { name: 'retries', kind: 'counter', unit: 'count', description: 'retries the server made', perOperation: true },
  { name: 'cache_hit', kind: 'rate', unit: 'fraction', description: 'answered from the cache', reportAs: 'cache' },
];

/** 100 requests: queue_ms 0..99 on successes; every 10th fails with a queue of 10 s; a retry on every odd one. */
function reportOf(id: string, ok: (i: number) => boolean = (i) => i % 10 !== 9) {
  const samples = Array.from({ length: 100 }, (_, i) =>
    sampleAt(1000 + i * 5, 10, { ok: ok(i), operation: i % 2 ? 'a' : 'b', extra: { queue_ms: ok(i) ? i : 10_000, retries: i % 2, cache_hit: i % 4 === 0 ? 1 : 0 } }),
  );
  const store = storeWith(id, 'services: []\n', samples, [{ serviceType: 'newthing', load: { mode: 'closed', clients: 1, metrics: declared } }]);
  const report = buildReport(store.db, id);
  store.close();
  return report;
}

test('thresholds on declared metrics: a trend by statistic, a rate by mean and minimum, a counter by its total', () => {
  const report = reportOf('dt1');
  assert.deepEqual(report.services.svc!.declared_metrics?.map((d) => d.name), ['queue_ms', 'retries', 'cache_hit'], 'the report carries what was declared');
  const t = evaluateThresholds(report, {
    svc: {
      queue_p99_ms: '<100', p50_queue_ms: '>60', queue_max_ms: '<0.1s',
      cache_hit_mean: '>=25%', cache_hit_min: '>0',
      retries: '<=50', retries_total: '<50',
      operations: { a: { retries: '>=50' }, b: { retries: '<1' } },
    },
  });
  const by = (m: string, op: string | null = null) => t.results.find((r) => r.metric === m && r.operation === op)!;
  assert.equal(by('queue_p99_ms').pass, true, 'the failed requests’ 10 s queues are not counted: latency-like trends are judged on successes');
  assert.ok(Math.abs(by('queue_p99_ms').actual! - 98) <= 1, `p99 ${by('queue_p99_ms').actual}`);
  assert.equal(by('queue_p99_ms').unit, 'ms');
  assert.equal(by('p50_queue_ms').pass, false, 'the median is about 49 ms');
  assert.equal(by('queue_max_ms').pass, true);
  assert.deepEqual([by('cache_hit_mean').actual, by('cache_hit_mean').pass, by('cache_hit_mean').unit], [0.25, true, 'ratio']);
  assert.deepEqual([by('cache_hit_min').actual, by('cache_hit_min').pass], [0, false]);
  assert.deepEqual([by('retries').actual, by('retries').pass], [50, true]);
  assert.deepEqual([by('retries_total').actual, by('retries_total').pass], [50, false]);
  assert.deepEqual([by('retries', 'a').actual, by('retries', 'a').pass], [50, true], 'kept per operation: judged per operation');
  assert.deepEqual([by('retries', 'b').actual, by('retries', 'b').pass], [0, true], 'a counter of 0 is not in the report, and is 0, not missing');
  assert.equal(t.defined, 9);
});

test('a run with no successful request fails every declared threshold, and an undeclared name is not judged', () => {
  const report = reportOf('dt2', () => false);
  const t = evaluateThresholds(report, { svc: { queue_p99_ms: '<1000000', retries: '<1000', cache_hit_mean: '>=0', ttfb_p99_ms: '<1000' } });
  for (const r of t.results.slice(0, 3)) assert.deepEqual([r.metric, r.pass, r.note], [r.metric, false, 'no successful request']);
  assert.deepEqual([t.results[3]!.pass, t.results[3]!.note], [false, 'unknown metric'], 'this backend declares no ttfb');
});

const s3 = (thresholds: string) => `services:
  - service_name: store
    service_type: s3
    endpoint_url: http://127.0.0.1:9000
    access_key: \${KEY}
    secret_key: \${SECRET}
    bucket_name: b
    thresholds:
${thresholds}
`;

test('recipes: declared metrics validate on the backends that declare them; others are positioned errors naming what is declared', () => {
  const load = (text: string) => loadRecipeText(text, 'r.yaml', { registry: builtinRegistry, env: { KEY: 'k', SECRET: 's' } });
  const plan = load(s3('      ttfb_p99_ms: "<50"\n      p95_ttfb_ms: "<20ms"\n      error_rate: "<1%"'));
  assert.deepEqual(plan.services[0]!.fields.thresholds, { ttfb_p99_ms: '<50', p95_ttfb_ms: '<20ms', error_rate: '<1%' });
  assert.throws(
    () => load(s3('      error_rate: "<1%"\n      recall_mean: ">0.95"\n      ttfb_p99_ms: "fast"')),
    (err: unknown) => {
      assert.ok(err instanceof RecipeError);
      assert.match(err.message, /r\.yaml:10:7: services\[0\]\.thresholds\.recall_mean: unknown key "recall_mean"(; did you mean "[^"]+"\?)? — besides the metrics of every service \(docs\/reports\.md\), s3\S* declares ttfb_ms \(trend: ttfb_<stat>_ms\)/);
      assert.match(err.message, /r\.yaml:11:\d+: services\[0\]\.thresholds\.ttfb_p99_ms: expected a condition such as "<500"/, 'a declared trend’s condition is in ms');
      return true;
    },
  );
  const pg = `services:
  - service_name: db
    service_type: postgresql
    thresholds: {ttfb_p99_ms: "<5"}
`;
  assert.throws(() => load(pg), /r\.yaml:4:18: services\[0\]\.thresholds\.ttfb_p99_ms: unknown key "ttfb_p99_ms"; did you mean "ttft_p99_ms"\? — postgresql declares no metrics of its own/);
  // Per operation, only a figure the backend keeps per operation (recall, not S3's TTFB).
  assert.throws(() => load(s3('      operations:\n        get: {ttfb_p99_ms: "<5"}')), /thresholds\.operations\.get\.ttfb_p99_ms: unknown key "ttfb_p99_ms"(; did you mean "[^"]+"\?)? — s3\S* declares no metrics of its own per operation/);
});

function spec(thresholds: unknown): ServiceSpec {
  return { name: 'svc', type: 'newthing', backend: undefined, fields: { thresholds }, load: {} as ServiceSpec['load'], mix: [], timeoutMs: 1000, seed: 1, slo: undefined, steps: undefined };
}

test('abort_on_fail judges declared trends, rates and a counter’s upper bound live; a counter’s lower bound only at the end', () => {
  const fired: string[][] = [];
  const watch = new ThresholdWatch((f) => fired.push(f.map((r) => r.metric)), () => declared);
  watch.serviceStarted(spec({ retries: '>1000000', queue_p99_ms: '<50', abort_on_fail: true, abort_after: '1s' }), { dropped: 0 } as LiveStats);
  for (let t = 0; t < 3000; t += 10) watch.sample(spec(undefined), sampleAt(t, 5, { extra: { queue_ms: 5, retries: 1 } }));
  assert.equal(fired.length, 0, 'retries may still reach a million: not judged live');
  for (let t = 3000; t < 4500; t += 10) watch.sample(spec(undefined), sampleAt(t, 5, { extra: { queue_ms: 500 } }));
  assert.deepEqual(fired, [['queue_p99_ms']]);

  const counted: string[][] = [];
  const w2 = new ThresholdWatch((f) => counted.push(f.map((r) => `${r.metric} ${r.actual}`)), () => declared);
  w2.serviceStarted(spec({ retries: '<100', cache_hit_min: '>0.5', abort_on_fail: true, abort_after: '1s' }), { dropped: 0 } as LiveStats);
  for (let t = 0; t < 1500; t += 10) w2.sample(spec(undefined), sampleAt(t, 5, { ok: t % 20 === 0, extra: { retries: 1, cache_hit: 1 } }));
  assert.deepEqual(counted, [['retries 101']], 'failures count their retries; the rate holds');
});
