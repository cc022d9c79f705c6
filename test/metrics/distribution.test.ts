import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Distribution } from '../../src/metrics/distribution.js';
import { createRng } from '../../src/util/rng.js';

const close = (a: number | null, b: number, rel = 0.001) => {
  assert.ok(a !== null, 'value is null');
  assert.ok(Math.abs(a - b) <= Math.abs(b) * rel + 1e-12, `${a} is not within ${rel * 100}% of ${b}`);
};

test('1..100 ms: hand-computed mean, stdev and percentiles', () => {
  const d = new Distribution();
  for (let i = 1; i <= 100; i++) d.record(i);
  const s = d.summary();
  assert.equal(s.count, 100);
  close(s.mean, 0.0505, 1e-12);
  // Population stdev of 1..100 = sqrt((100^2 - 1) / 12) = 28.8660...
  close(s.stdev, Math.sqrt((100 * 100 - 1) / 12) / 1000, 1e-9);
  assert.equal(s.min, 0.001);
  assert.equal(s.max, 0.1);
  // Nearest rank: p50 = 50th value, p90 = 90th, p99 = 99th, p99.9 = 100th (within 0.1 %).
  close(s.p50, 0.05);
  close(s.p90, 0.09);
  close(s.p95, 0.095);
  close(s.p99, 0.099);
  close(s.p99_9, 0.1);
});

test('merging two distributions equals recording everything into one', () => {
  const rng = createRng(5);
  const a = new Distribution();
  const b = new Distribution();
  const all = new Distribution();
  for (let i = 0; i < 20_000; i++) {
    const v = rng.exponential() * (i % 2 ? 3 : 40);
    (i % 3 === 0 ? a : b).record(v);
    all.record(v);
  }
  const m = a.merge(b).summary();
  const w = all.summary();
  assert.equal(m.count, w.count);
  for (const k of ['p50', 'p90', 'p95', 'p99', 'p99_9', 'min', 'max'] as const) assert.equal(m[k], w[k], k);
  close(m.mean, w.mean!, 1e-9);
  close(m.stdev, w.stdev!, 1e-9);
});

test('an empty distribution reports nulls, not zeros', () => {
  const s = new Distribution().summary();
  assert.equal(s.count, 0);
  assert.equal(s.p99, null);
  assert.equal(s.mean, null);
});

test('percentiles stay within 0.1 % from microseconds to minutes', () => {
  for (const v of [0.05, 3.7, 250, 12_345, 180_000]) {
    const d = new Distribution();
    d.record(v);
    close(d.percentileMs(50), Math.max(v, 0.001), 0.001);
  }
});
