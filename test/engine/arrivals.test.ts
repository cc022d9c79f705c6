import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalSchedule } from '../../src/engine/arrivals.js';
import { createRng } from '../../src/util/rng.js';

function times(s: ArrivalSchedule, untilMs: number): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== undefined && t < untilMs; t = s.next()) out.push(t);
  return out;
}

function gapStats(ts: number[]): { mean: number; cv: number } {
  const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const variance = gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length;
  return { mean, cv: Math.sqrt(variance) / mean };
}

test('constant arrivals are evenly spaced at the requested rate', () => {
  const ts = times(new ArrivalSchedule(500, [], 'constant', 1, createRng(1)), 10_000);
  assert.equal(ts.length, 5000);
  assert.equal(ts[0], 0);
  for (let i = 1; i < ts.length; i++) assert.ok(Math.abs(ts[i]! - ts[i - 1]! - 2) < 1e-9);
});

test('poisson arrivals have exponential gaps: mean 1/rate, coefficient of variation 1', () => {
  const ts = times(new ArrivalSchedule(1000, [], 'poisson', 1, createRng(7)), 100_000);
  // 100,000 expected arrivals; 5 standard deviations of a Poisson count is ~1.6 %.
  assert.ok(Math.abs(ts.length - 100_000) < 1600, `count ${ts.length}`);
  const { mean, cv } = gapStats(ts);
  assert.ok(Math.abs(mean - 1) < 0.02, `mean gap ${mean}`);
  assert.ok(Math.abs(cv - 1) < 0.02, `cv ${cv}`);
});

test('gamma arrivals keep the mean gap and have CV 1/sqrt(burstiness)', () => {
  for (const b of [0.25, 4]) {
    const ts = times(new ArrivalSchedule(1000, [], 'gamma', b, createRng(3)), 100_000);
    const { mean, cv } = gapStats(ts);
    assert.ok(Math.abs(mean - 1) < 0.03, `burstiness ${b}: mean gap ${mean}`);
    assert.ok(Math.abs(cv - 1 / Math.sqrt(b)) < 0.05 / Math.sqrt(b), `burstiness ${b}: cv ${cv}`);
  }
});

test('a linear ramp issues the integral of the rate, and the rate rises over time', () => {
  // 0 → 1000 req/s over 10 s: 5000 arrivals expected, 1250 in the first half... no: 1250 = ∫0..5 100t dt.
  const ts = times(new ArrivalSchedule(0, [{ durationMs: 10_000, target: 1000 }], 'constant', 1, createRng(1)), 10_000);
  assert.ok(Math.abs(ts.length - 5000) <= 1, `count ${ts.length}`);
  const firstHalf = ts.filter((t) => t < 5000).length;
  assert.ok(Math.abs(firstHalf - 1250) <= 1, `first half ${firstHalf}`);
});

test('stages hold the last target after the ramp', () => {
  const ts = times(
    new ArrivalSchedule(100, [{ durationMs: 1000, target: 100 }, { durationMs: 1000, target: 300 }], 'constant', 1, createRng(1)),
    5000,
  );
  // 100 in [0,1s), 200 in [1s,2s) (mean of 100 and 300), 300/s for 3 s.
  assert.ok(Math.abs(ts.length - (100 + 200 + 900)) <= 2, `count ${ts.length}`);
});

test('a schedule whose rate stays zero ends', () => {
  const s = new ArrivalSchedule(0, [], 'poisson', 1, createRng(1));
  assert.equal(s.next(), undefined);
});

test('the same seed gives the same schedule', () => {
  const a = times(new ArrivalSchedule(200, [], 'poisson', 1, createRng(99)), 2000);
  const b = times(new ArrivalSchedule(200, [], 'poisson', 1, createRng(99)), 2000);
  const c = times(new ArrivalSchedule(200, [], 'poisson', 1, createRng(100)), 2000);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('conditioned on the span, Poisson and gamma offer exactly rate x span arrivals with their own gap shape', () => {
  for (const [process, b, cvWanted] of [['poisson', 1, 1], ['gamma', 4, 0.5]] as const) {
    const s = new ArrivalSchedule(500, [], process, b, createRng(11), 60_000);
    const ts: number[] = [];
    for (let t = s.next(); t !== undefined; t = s.next()) ts.push(t);
    assert.equal(ts.length, 30_000, process);
    assert.ok(ts.every((t, i) => t >= 0 && t < 60_000 && (i === 0 || t >= ts[i - 1]!)), 'sorted, inside the span');
    const { mean, cv } = gapStats(ts);
    assert.ok(Math.abs(mean - 2) < 0.02, `${process}: mean gap ${mean}`);
    assert.ok(Math.abs(cv - cvWanted) < 0.03, `${process}: cv ${cv}`);
  }
});

test('conditioned on the span, a ramp still follows the rate curve', () => {
  const s = new ArrivalSchedule(0, [{ durationMs: 10_000, target: 1000 }], 'poisson', 1, createRng(2), 10_000);
  const ts: number[] = [];
  for (let t = s.next(); t !== undefined; t = s.next()) ts.push(t);
  assert.equal(ts.length, 5000);
  const firstHalf = ts.filter((t) => t < 5000).length;
  // Binomial(5000, 1/4): sd ≈ 31.
  assert.ok(Math.abs(firstHalf - 1250) < 125, `first half ${firstHalf}`);
});

test('a constant rate whose gap is not a whole number of ms still gives rate x span starts in the span', () => {
  for (const rate of [170, 3, 7, 10_000 / 3]) {
    const ts = times(new ArrivalSchedule(rate, [], 'constant', 1, createRng(1)), 1000);
    // Starts at 0, 1/rate, 2/rate ... before 1 s: ceil(rate) of them.
    assert.equal(ts.length, Math.ceil(rate), `rate ${rate}`);
  }
  // Across a ramp's end as well: 2 s ramping 0 → 170 (Λ = 170), then 170/s held for 1 s. From a
  // rate of 0 the first start comes at Λ = 1, so Λ = 340 falls on 3 s itself, outside [0, 3 s).
  const ramp = times(new ArrivalSchedule(0, [{ durationMs: 2000, target: 170 }, { durationMs: 1000, target: 170 }], 'constant', 1, createRng(1)), 3000);
  assert.equal(ramp.length, 339);
});
