import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsStore, type StoredServiceRow } from '../../src/metrics/store.js';
import { RunAccumulator } from '../../src/metrics/aggregates/accumulate.js';
import { createRng } from '../../src/util/rng.js';
import { buildReport } from '../../src/report/build.js';
import { renderSummary } from '../../src/report/terminal.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import type { Sample } from '../../src/metrics/sample.js';
import { accumulatingStore } from './fixtures.js';

function sample(i: number, latencyMs: number, ok: boolean, op: string): Sample {
  const intended = 1000 + i * 10; // window starts at 1000 ms; one start every 10 ms
  return {
    service: 'svc', clientId: i % 4, operation: op, intendedStart: intended, actualStart: intended + 1,
    end: intended + latencyMs, ok, status: ok ? 200 : 503, errorClass: ok ? null : 'http_5xx',
    message: ok ? null : 'unavailable', bytesIn: 100, bytesOut: 10,
  };
}

test('report maths on hand-computed values: counts, rates, timing, percentiles, errors, operations', () => {
  const store = new MetricsStore(':memory:');
  store.beginRun(
    { benchmarkId: 'b1', name: 'maths', description: undefined, recipeFile: 'r.yaml', recipeText: 'x', recipeHash: 'h', provenance: collectProvenance({}) },
    0,
    (m) => 1_700_000_000_000 + m,
  );
  // 100 requests with latencies 1..100 ms; every 10th fails; odd ones are "read", even "write".
  for (let i = 1; i <= 100; i++) store.append(sample(i - 1, i, i % 10 !== 0, i % 2 ? 'read' : 'write'));
  // 1000 ms window (1000 → 2000 ms), 100 scheduled starts, 5 dropped on top.
  store.saveService({
    serviceName: 'svc', serviceType: 'http', backend: undefined, status: 'complete',
    load: { mode: 'open', rate: 105, arrival: 'constant', maxInFlight: 8 },
    windowStart: 1000, windowEnd: 2000, issueEnd: 2000, scheduled: 105, dropped: 5, warmupRequests: 7,
  });
  store.finishRun('complete', 2100);
  const r = buildReport(store.db, 'b1', new Date(0));
  const s = r.services.svc!;

  assert.equal(r.summary.total_requests, 100);
  assert.equal(r.summary.failed_requests, 10);
  assert.equal(r.summary.success_rate, 90);
  assert.equal(r.summary.dropped_starts, 5);
  assert.equal(s.load.window_seconds, 1);
  assert.equal(s.throughput.requests_per_second, 100);
  assert.equal(s.throughput.successful_per_second, 90);
  assert.equal(s.throughput.bytes_in_per_second, 10_000);
  assert.equal(s.load.achieved_rate, 100);
  assert.equal(s.load.requested_rate, 105);
  assert.equal(s.load.warmup_requests, 7);
  // Mean of 1..100 ms = 50.5 ms; population stdev = sqrt((100² − 1)/12) ms.
  assert.ok(Math.abs(s.timing.avg_duration! - 0.0505) < 1e-12);
  assert.ok(Math.abs(s.timing.std_duration! - Math.sqrt(9999 / 12) / 1000) < 1e-12);
  assert.equal(s.timing.min_duration, 0.001);
  assert.equal(s.timing.max_duration, 0.1);
  const near = (v: number | null, want: number) => assert.ok(v !== null && Math.abs(v - want) <= want * 0.001, `${v} vs ${want}`);
  near(s.percentiles.p50, 0.05);
  near(s.percentiles.p90, 0.09);
  near(s.percentiles.p99, 0.099);
  // The failed ones are 10, 20, …, 100 ms: their own distribution.
  assert.equal(s.latency.failed.count, 10);
  assert.ok(Math.abs(s.latency.failed.mean! - 0.055) < 1e-12);
  assert.deepEqual(s.errors, { http_5xx: 10 });
  assert.equal(s.error_examples.http_5xx, 'unavailable');
  // Service time is latency − 1 ms here; schedule lag is 1 ms for each.
  assert.ok(Math.abs(s.service_time.mean! - 0.0495) < 1e-12);
  near(s.schedule_lag.p99, 0.001);
  // Operations: odd latencies are reads (1, 3, …, 99 → mean 50), even are writes (mean 51, with all 10 failures).
  assert.equal(s.operations.read!.requests.total, 50);
  assert.ok(Math.abs(s.operations.read!.timing.avg_duration! - 0.05) < 1e-12);
  assert.equal(s.operations.write!.requests.failed, 10);
  assert.equal(s.operations.read!.throughput.requests_per_second, 50);
  assert.deepEqual(s.clients, { count: 4, min_requests: 25, max_requests: 25 });

  const text = renderSummary(r);
  assert.match(text, /svc\s+100\s+10 \(10\.0%\)\s+100\.0/);
  assert.match(text, /5 starts dropped/);
  store.close();
});

test('a run killed before it saved its window is reported from its samples, as partial', () => {
  const store = new MetricsStore(':memory:');
  store.beginRun(
    { benchmarkId: 'b2', name: 'killed', description: undefined, recipeFile: 'r.yaml', recipeText: 'x', recipeHash: 'h', provenance: collectProvenance({}) },
    0,
    (m) => m,
  );
  store.saveService({ serviceName: 'svc', serviceType: 'http', backend: undefined, status: 'running', load: { mode: 'closed', clients: 1 } });
  for (let i = 0; i < 50; i++) store.append(sample(i, 5, true, 'request'));
  store.flush();
  const r = buildReport(store.db, 'b2');
  assert.equal(r.partial, true);
  assert.equal(r.status, 'partial');
  assert.equal(r.services.svc!.status, 'partial');
  assert.equal(r.services.svc!.requests.total, 50);
  // Window from the first intended start (1.0 s) to the last end (1.49 + 0.005 s).
  assert.ok(Math.abs(r.services.svc!.load.window_seconds! - 0.495) < 1e-9);
  store.close();
});

test('the run’s own report, accumulated as rows are committed, equals the report read back from the database', async () => {
  const { store, acc } = accumulatingStore('inc');
  const base = { serviceType: 'llm', backend: undefined, windowStart: 500, issueEnd: 9000, scheduled: 3000, dropped: 0, warmupRequests: 0 };
  const load = { mode: 'open', rate: 300, arrival: 'poisson', maxInFlight: 64, slo: { ttft_ms: 40, e2el_ms: 300 } };
  for (const name of ['b-llm', 'a-http']) store.saveService({ ...base, serviceName: name, status: 'running', load });
  const rng = createRng(7);
  for (let i = 0; i < 3000; i++) {
    const intended = 500 + i * 3 + rng.next();
    const latency = 5 + rng.exponential() * 40;
    const ok = rng.next() > 0.05;
    const llm = i % 2 === 0;
    store.append({
      service: llm ? 'b-llm' : 'a-http', clientId: i % 7, operation: ['chat', 'completion', 'embed'][i % 3]!,
      intendedStart: intended, actualStart: intended + rng.next(), end: intended + latency, ok, status: ok ? 200 : 500,
      errorClass: ok ? null : 'http_5xx', message: ok ? null : `failure ${i}`, bytesIn: 100 + i, bytesOut: 10,
      ...(llm ? { llm: { ttftMs: latency / 3, tpotMs: 2, itlMs: 2, inputTokens: 50, outputTokens: 20 }, extra: { itl: [[2, 1], [3, 2]] } } : {}),
    });
    // Let the store commit in its small steps between appends, as during a run.
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  for (const name of ['b-llm', 'a-http']) store.saveService({ ...base, serviceName: name, status: 'complete', load, windowEnd: 9600 });
  store.finishRun('complete', 9700);
  const now = new Date(0);
  assert.equal(acc.rows, 3000);
  assert.deepEqual(buildReport(store.db, 'inc', now, acc), buildReport(store.db, 'inc', now));
  // An accumulator that missed rows (shards merged by SQL, say) is not trusted: the table is read.
  assert.deepEqual(buildReport(store.db, 'inc', now, new RunAccumulator()), buildReport(store.db, 'inc', now));
  store.close();
});
