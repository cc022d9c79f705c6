import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecipeError } from '../../src/errors.js';
import type { LiveStats } from '../../src/engine/live.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { parseCondition } from '../../src/recipe/thresholds.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { buildReport } from '../../src/report/build.js';
import { renderSummary } from '../../src/report/terminal.js';
import { evaluateThresholds, thresholdsFromRecipeText } from '../../src/report/thresholds.js';
import { ThresholdWatch } from '../../src/report/thresholds-live.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { sampleAt, storeWith } from './fixtures.js';

test('conditions: units, percentages and the messages for bad ones', () => {
  assert.deepEqual(parseCondition('<500', 'ms'), { op: '<', value: 500, text: '<500' });
  assert.equal((parseCondition('<= 0.5s', 'ms') as { value: number }).value, 500);
  assert.equal((parseCondition('<800us', 'ms') as { value: number }).value, 0.8);
  assert.equal((parseCondition('<1%', 'ratio') as { value: number }).value, 0.01);
  assert.equal((parseCondition('<0.02', 'ratio') as { value: number }).value, 0.02);
  assert.deepEqual(parseCondition('>=100', 'rate'), { op: '>=', value: 100, text: '>=100' });
  assert.match(parseCondition('500', 'ms') as string, /expected a condition such as "<500"/);
  assert.match(parseCondition('<5', 'ratio') as string, /more than 100%/);
  assert.match(parseCondition('>100ms', 'rate') as string, /per second/);
});

const RECIPE = `services:
  - service_name: svc
    service_type: http
    url: http://127.0.0.1:1/
    thresholds:
      p99_latency_ms: "<50"
      error_rate: "<5%"
      throughput_rps: ">100"
      ttft_p95_ms: "<200"
      operations:
        read: {latency_p50_ms: "<=10"}
`;

test('thresholds are judged on the final data: pass, fail, no data; stored with the run and shown in the summary', () => {
  // 100 requests over 1 s: latency 1..100 ms, every 10th fails (10 %); reads are the odd ones.
  const samples = Array.from({ length: 100 }, (_, i) => sampleAt(1000 + i * 10, i + 1, { ok: (i + 1) % 10 !== 0, operation: i % 2 ? 'write' : 'read' }));
  const store = storeWith('th1', RECIPE, samples);
  const report = buildReport(store.db, 'th1');
  const t = report.thresholds;
  const by = (m: string) => t.results.find((r) => r.metric === m)!;
  assert.equal(t.defined, 5);
  assert.equal(by('p99_latency_ms').pass, false);
  assert.ok(Math.abs(by('p99_latency_ms').actual! - 99) < 0.1);
  assert.equal(by('error_rate').pass, false, '10 % errors is not under 5 %');
  assert.equal(by('error_rate').actual, 0.1);
  assert.equal(by('throughput_rps').pass, false, 'exactly 100/s is not above 100/s');
  assert.equal(by('ttft_p95_ms').note, 'no data');
  assert.equal(by('ttft_p95_ms').pass, false, 'no data never passes a gate');
  const read = by('latency_p50_ms');
  assert.equal(read.operation, 'read');
  assert.equal(read.pass, false);
  assert.deepEqual([t.passed, t.failed], [0, 5]);
  assert.deepEqual(t.results.map((r) => r.metric).slice(0, 4), ['p99_latency_ms', 'error_rate', 'throughput_rps', 'ttft_p95_ms'], 'recipe order');

  // The same thresholds with looser bounds pass; the evaluator is pure.
  const loose = evaluateThresholds(report, { svc: { p99_latency_ms: '<150', error_rate: '<=10%', throughput_rps: '>=100' } });
  assert.deepEqual([loose.passed, loose.failed], [3, 0]);
  const missing = evaluateThresholds(report, { other: { error_rate: '<1%' } });
  assert.equal(missing.results[0]!.note, 'no data');

  const text = renderSummary(report);
  assert.match(text, /Thresholds: 5 of 5 FAILED/);
  assert.match(text, /FAIL\s+svc\s+error_rate\s+<5%\s+10\.0%/);
  store.close();
});

test('thresholds validate in the recipe with positions and "did you mean"', () => {
  const plan = loadRecipeText(RECIPE, 'r.yaml', { registry: builtinRegistry, env: {} });
  assert.deepEqual(thresholdsFromRecipeText(RECIPE).svc!.operations, { read: { latency_p50_ms: '<=10' } });
  assert.equal(evaluateThresholds({ services: {} }, plan).defined, 5, 'a Plan is accepted too');
  const bad = RECIPE.replace('p99_latency_ms: "<50"', 'p99_latncy_ms: "<50"').replace('error_rate: "<5%"', 'error_rate: "fast"');
  assert.throws(
    () => loadRecipeText(bad, 'r.yaml', { registry: builtinRegistry, env: {} }),
    (err: unknown) => {
      assert.ok(err instanceof RecipeError);
      assert.match(err.message, /r\.yaml:6:7: services\[0\]\.thresholds\.p99_latncy_ms: unknown key "p99_latncy_ms"; did you mean "p99_latency_ms"\?/);
      assert.match(err.message, /r\.yaml:7:\d+: services\[0\]\.thresholds\.error_rate: expected a condition such as "<1%"/);
      return true;
    },
  );
});

function spec(thresholds: unknown): ServiceSpec {
  return { name: 'svc', type: 'http', backend: undefined, fields: { thresholds }, load: {} as ServiceSpec['load'], mix: [], timeoutMs: 1000, seed: 1 };
}

test('abort_on_fail: the live watch fires once, after abort_after, only on conditions that cannot recover', () => {
  const live = { dropped: 0 } as LiveStats;
  const fired: string[][] = [];
  const watch = new ThresholdWatch((f) => fired.push(f.map((r) => r.metric)));
  watch.serviceStarted(spec({ p99_latency_ms: '<50', throughput_rps: '>1000000', abort_on_fail: true, abort_after: '2s' }), live);
  const feed = (fromMs: number, toMs: number, latencyMs: number) => {
    for (let t = fromMs; t < toMs; t += 10) watch.sample(spec(undefined), sampleAt(t, latencyMs));
  };
  feed(0, 3000, 5); // fast: nothing fires, and the impossible throughput is never judged live
  assert.equal(fired.length, 0);
  feed(3000, 4100, 500); // slow from 3 s on: judged again at most a second later, and fails
  assert.deepEqual(fired, [['p99_latency_ms']]);
  feed(4100, 6000, 500);
  assert.equal(fired.length, 1, 'fires once');
  assert.equal(watch.triggered![0]!.pass, false);

  // Before abort_after, even a terrible start does not abort.
  const early: unknown[] = [];
  const w2 = new ThresholdWatch((f) => early.push(f));
  w2.serviceStarted(spec({ p99_latency_ms: '<50', abort_on_fail: true, abort_after: '10s' }), live);
  for (let t = 0; t < 5000; t += 10) w2.sample(spec(undefined), sampleAt(t, 500));
  assert.equal(early.length, 0);
  // A service without abort_on_fail is not watched at all.
  const w3 = new ThresholdWatch(() => assert.fail('not watched'));
  w3.serviceStarted(spec({ p99_latency_ms: '<1' }), live);
  for (let t = 0; t < 8000; t += 10) w3.sample(spec(undefined), sampleAt(t, 500));
});
