import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/report/build.js';
import { LogHistogram } from '../../src/metrics/aggregates/loghist.js';
import { bucketWidth, SeriesAccumulator } from '../../src/metrics/aggregates/timeseries.js';
import { sampleAt, storeWith } from './fixtures.js';

const close = (v: number | null | undefined, want: number, rel: number) =>
  assert.ok(v !== null && v !== undefined && Math.abs(v - want) <= want * rel, `${v} vs ${want}`);

test('time series on hand-computed values: buckets, rates, errors, in-flight, percentiles, histogram', () => {
  // One start every 10 ms over a 1 s window; 5 ms latency (4 ms service time); every 10th fails.
  const samples = Array.from({ length: 100 }, (_, i) => sampleAt(1000 + i * 10, 5, { ok: i % 10 !== 9 }));
  const store = storeWith('ts1', 'x', samples);
  const s = buildReport(store.db, 'ts1').services.svc!;
  const ts = s.timeseries;
  assert.equal(ts.bucket_seconds, 0.1, 'a 1 s window gets 0.1 s buckets');
  assert.deepEqual(ts.t, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  assert.deepEqual(ts.starts, Array(10).fill(10));
  assert.deepEqual(ts.completions, Array(10).fill(10));
  assert.deepEqual(ts.errors, Array(10).fill(1));
  for (const r of ts.throughput_rps) close(r, 100, 1e-9);
  // 100 req/s × 4 ms of service time = 0.4 requests in flight on average (Little's law).
  for (const f of ts.in_flight) close(f, 0.4, 1e-6);
  for (const p of [...ts.p50, ...ts.p99]) close(p, 0.005, 0.012);
  assert.equal(ts.output_tokens_per_second, undefined, 'no LLM columns for a plain service');
  assert.equal(s.histogram.counts.reduce((a, b) => a + b, 0), 100);
  assert.equal(s.histogram.bins_per_decade, 20);
  const peak = s.histogram.counts.indexOf(Math.max(...s.histogram.counts));
  assert.ok(s.histogram.le[peak]! >= 0.005 && s.histogram.le[peak]! < 0.005 * 10 ** 0.05 + 1e-12);
  store.close();
});

test('LLM services get token series and TTFT/TPOT/ITL histograms; several operations get their own series', () => {
  const samples = Array.from({ length: 60 }, (_, i) =>
    sampleAt(1000 + i * 10, 50, {
      operation: i % 2 ? 'chat' : 'completion',
      llm: { ttftMs: 20 + (i % 5), tpotMs: 3, itlMs: 3, inputTokens: 10, outputTokens: 10 },
    }),
  );
  const store = storeWith('ts2', 'x', samples, [{ windowEnd: 1600 }]);
  const s = buildReport(store.db, 'ts2').services.svc!;
  const ts = s.timeseries;
  assert.equal(ts.output_tokens_per_second!.length, ts.t.length);
  // 100 requests per second × 10 output tokens.
  close(ts.output_tokens_per_second![2], 1000, 1e-9);
  close(ts.ttft_p50![2], 0.022, 0.03);
  assert.equal(s.llm!.histograms!.ttft.counts.reduce((a, b) => a + b, 0), 60);
  assert.ok(s.llm!.histograms!.tpot.counts.length > 0);
  assert.ok(s.operations.chat!.timeseries, 'per-operation series when there are several operations');
  assert.equal(s.operations.chat!.timeseries!.completions.reduce((a, b) => a + b, 0), 30);
  store.close();
});

test('a killed run (no stored window) still gets a series on a grid of its own', () => {
  const samples = Array.from({ length: 50 }, (_, i) => sampleAt(1000 + i * 10, 5));
  const store = storeWith('ts3', 'x', samples, [{ status: 'running', windowStart: undefined, windowEnd: undefined, issueEnd: undefined }]);
  const ts = buildReport(store.db, 'ts3').services.svc!.timeseries;
  assert.equal(ts.completions.reduce((a, b) => a + b, 0), 50);
  assert.equal(ts.t[0], 0);
  store.close();
});

test('bucket widths: short runs get sub-second buckets, long runs stay under 600 points', () => {
  assert.equal(bucketWidth(1), 0.1);
  assert.equal(bucketWidth(5), 0.1);
  assert.equal(bucketWidth(30), 1);
  assert.equal(bucketWidth(60), 1);
  assert.equal(bucketWidth(3600), 10);
  assert.equal(bucketWidth(null), 1);
  // The grid does not depend on the window: fine buckets from the run's start that coarsen
  // as the run grows (0.1 s, then 1 s past 600 s); the window picks the report's width.
  const acc = new SeriesAccumulator();
  for (let t = 0; t < 1300; t += 0.5) acc.add(t, t, t + 0.01, 0.01, true, null, null);
  const ts = acc.finish(0, 1300.01);
  assert.equal(ts.bucket_seconds, 5, 'bucketWidth(1300 s)');
  assert.equal(ts.t.length, 260, 'the 10 ms sliver at the end joins the last bucket');
  assert.equal(ts.completions.reduce((a, b) => a + b, 0), 2600);
  // A window that does not start on the grid: its first bucket is the part of a bucket inside it.
  const late = new SeriesAccumulator();
  for (let t = 10.25; t < 20; t += 0.01) late.add(t, t, t + 0.001, 0.001, true, null, null);
  const lt = late.finish(10.25, 20);
  assert.equal(lt.bucket_seconds, 0.2);
  assert.deepEqual(lt.t.slice(0, 3), [0, 0.15, 0.35], 'the first bucket is [10.25, 10.4): 0.15 s of the window');
  for (const r of lt.throughput_rps) close(r, 100, 0.08);
});

test('log histogram percentiles are within 1.2 % of the exact nearest-rank value', () => {
  const h = new LogHistogram();
  for (let ms = 1; ms <= 1000; ms++) h.record(ms / 1000);
  close(h.percentile(50), 0.5, 0.012);
  close(h.percentile(99), 0.99, 0.012);
  close(h.percentile(100), 1, 0.012);
  assert.equal(new LogHistogram().percentile(50), null);
  const b = h.binned(10);
  assert.equal(b.counts.reduce((x, y) => x + y, 0), 1000);
  assert.equal(b.le.length, 31, '1 ms to 1 s is three decades of ten bins, plus the bin holding 1 ms');
});
