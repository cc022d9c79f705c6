import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/build.js';
import { compareReports } from '../../src/report/compare.js';
import { renderComparison } from '../../src/report/compare-render.js';
import type { MetricDeclaration } from '../../src/services/contract.js';
import { sampleAt, storeWith } from './fixtures.js';

// A backend the core has never heard of: compare finds its figures by their declarations alone.
const declared: MetricDeclaration[] = [
  { name: 'queue_ms', kind: 'trend', unit: 'ms', description: 'time the request waited in the server queue' },
  { name: 'hit', kind: 'rate', unit: 'fraction', description: 'answered from the cache', better: 'higher' },
  { name: 'warm', kind: 'rate', unit: 'fraction', description: 'served by a warm worker (no better side)' },
  { name: 'retries', kind: 'counter', unit: 'count', description: 'retries the server made', perOperation: true },
];

/** 400 requests over the 1 s window (10 buckets); `queue` sets the queue time, `hitEvery` the cache hits. */
function run(id: string, queue: (i: number) => number, hitEvery: number) {
  const samples = Array.from({ length: 400 }, (_, i) =>
    sampleAt(1000 + i * 2.5, 5, {
      operation: i % 2 ? 'a' : 'b',
      extra: { queue_ms: queue(i), hit: i % hitEvery === 0 ? 0 : 1, warm: i % hitEvery === 0 ? 0 : 1, retries: i % 3 === 0 ? 1 : 0 },
    }),
  );
  const store = storeWith(id, 'services: []\n', samples, [{ serviceType: 'newthing', load: { mode: 'closed', clients: 1, metrics: declared } }]);
  const report = buildReport(store.db, id);
  store.close();
  return { label: id, report };
}

const jitter = (i: number) => ((i * 7919) % 13) / 13;

test('compare: declared trends, rates and counters beside the fixed metrics, with the same deltas and verdicts', () => {
  const base = run('base', (i) => 10 + 4 * jitter(i), 10);
  const slower = run('slower', (i) => 30 + 4 * jitter(i), 2);
  const ts = base.report.services.svc!.timeseries;
  assert.ok(ts.t.length >= 8, `${ts.t.length} buckets`);
  assert.equal(ts.metrics?.queue_ms?.p50?.length, ts.t.length, 'declared metrics are kept per bucket');
  assert.equal(ts.metrics?.retries?.per_second?.length, ts.t.length);

  const c = compareReports([base, slower]);
  const svc = c.results.find((r) => r.operation === null)!;
  const by = (m: string) => svc.metrics.find((x) => x.metric === m)!;
  assert.deepEqual(svc.metrics.map((m) => m.metric), [
    'p50', 'p99', 'throughput', 'error_rate', 'queue_p50_ms', 'queue_p99_ms', 'queue_mean_ms', 'hit_mean', 'warm_mean', 'retries_total',
  ]);
  for (const m of ['queue_p50_ms', 'queue_p99_ms', 'queue_mean_ms']) {
    assert.equal(by(m).verdict, 'worse', `${m}: ${JSON.stringify(by(m))}`);
    assert.ok(by(m).change! > 1, `${m} about tripled: ${by(m).change}`);
  }
  assert.ok(Math.abs(by('queue_p50_ms').baseline! - 0.012) < 0.003, 'in seconds, as the fixed latencies');
  assert.deepEqual([by('hit_mean').verdict, by('hit_mean').baseline, by('hit_mean').value, by('hit_mean').change], ['worse', 0.9, 0.5, -0.4], 'fewer hits, declared higher-is-better');
  assert.equal(by('warm_mean').verdict, 'changed', 'beyond noise, but no better side declared');
  assert.equal(by('retries_total').verdict, 'same');
  assert.equal(by('retries_total').value, 134);
  assert.equal(by('p50').verdict, 'same', 'the request latency did not change');

  const op = c.results.find((r) => r.operation === 'a')!;
  assert.deepEqual(op.metrics.slice(4).map((m) => m.metric), ['retries_total'], 'per operation: only what is kept per operation');

  const text = renderComparison(c);
  assert.match(text, /svc\s+queue_p50_ms\s+1\d\.\d+ms\s+3\d\.\d+ms\s+\+\d+%\s+<0\.001\s+WORSE/);
  assert.match(text, /svc\s+hit_mean\s+0\.9000\s+0\.5000\s+−40\.00 pts\s+\S+\s+WORSE/);
  assert.match(text, /warm_mean.*changed/);
  assert.match(text, /1 change\(s\) beyond noise in declared figures with no better side/);
});

test('compare: a report written before reports carried declarations gets its backend’s; without per-bucket values it is not tested', () => {
  const s3 = (id: string, ttfb: number) => {
    const samples = Array.from({ length: 200 }, (_, i) => sampleAt(1000 + i * 5, 5, { operation: 'get', extra: { ttfb_ms: ttfb + jitter(i) } }));
    const store = storeWith(id, 'services: []\n', samples, [{ serviceType: 's3' }]);
    const report = buildReport(store.db, id);
    store.close();
    // As an older JSON report has it: no declarations, no declared series.
    delete report.services.svc!.declared_metrics;
    delete report.services.svc!.timeseries.metrics;
    return { label: id, report };
  };
  const c = compareReports([s3('old', 3), s3('new', 6)]);
  const ttfb = c.results[0]!.metrics.filter((m) => m.declared);
  assert.deepEqual(ttfb.map((m) => m.metric), ['ttfb_p50_ms', 'ttfb_p99_ms', 'ttfb_mean_ms'], 'S3 declares its TTFB');
  assert.ok(ttfb[0]!.change! > 0.8, `change ${ttfb[0]!.change}`);
  assert.deepEqual([ttfb[0]!.verdict, ttfb[0]!.note], ['not tested', 'fewer than 8 buckets']);
});
