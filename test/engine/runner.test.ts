import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRunner, type ServiceOutcome } from '../../src/engine/runner.js';
import type { Sample } from '../../src/metrics/sample.js';
import type { LoadProfile, ServiceSpec } from '../../src/recipe/types.js';
import type { Adapter } from '../../src/services/contract.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';
import { createRng } from '../../src/util/rng.js';
import { timedAdapter } from '../helpers/fake-adapter.js';

const base = { stages: [], warmup: { kind: 'none' as const }, requests: undefined };

function spec(load: LoadProfile): ServiceSpec {
  return { name: 'svc', type: 'test', backend: undefined, fields: {}, load, mix: [{ operation: 'op', weight: 1 }], timeoutMs: 60_000, seed: 1 };
}

/** Runs a service on the manual clock, advancing it 1 ms at a time until the runner ends. */
async function drive(clock: ManualClock, adapter: Adapter, load: LoadProfile, stop = new AbortController(), stopAt?: number) {
  const samples: Sample[] = [];
  const runner = new ServiceRunner({ spec: spec(load), adapter, clock, rng: createRng(1), onSample: (s) => samples.push(s), stop: stop.signal, graceMs: 10_000 });
  let outcome: ServiceOutcome | undefined;
  const done = runner.run().then((o) => (outcome = o));
  while (!outcome) {
    await clock.advance(1);
    if (stopAt !== undefined && clock.now() >= stopAt && !stop.signal.aborted) stop.abort();
    if (clock.now() > 600_000) throw new Error('runner did not end');
  }
  await done;
  return { samples, outcome: outcome! };
}

const open = (rate: number, durationMs: number, extra: Partial<Extract<LoadProfile, { mode: 'open' }>> = {}): LoadProfile => ({
  mode: 'open', rate, arrival: 'constant', burstiness: 1, maxInFlight: 1000, durationMs, ...base, ...extra,
});

test('open loop: constant rate gives exactly rate x duration requests, intended 10 ms apart', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 5);
  const { samples, outcome } = await drive(clock, adapter, open(100, 1000));
  assert.equal(samples.length, 100);
  assert.equal(outcome.scheduled, 100);
  assert.equal(outcome.dropped, 0);
  const starts = samples.map((s) => s.intendedStart).sort((a, b) => a - b);
  for (let i = 1; i < starts.length; i++) assert.equal(starts[i]! - starts[i - 1]!, 10);
  for (const s of samples) assert.equal(s.end - s.intendedStart, 5);
});

test('open loop: a stall shows in latency for every request that arrived during it (no coordinated omission)', async () => {
  const clock = new ManualClock();
  // A server that handles one request at a time; request #50 takes 500 ms.
  let busyUntil = 0;
  let n = 0;
  const adapter: Adapter<number> = {
    async setup() {},
    prepare: () => n++,
    async execute(i, signal) {
      const start = Math.max(clock.now(), busyUntil);
      busyUntil = start + (i === 50 ? 500 : 1);
      await clock.sleepUntil(busyUntil, signal);
      return { ok: true };
    },
    async teardown() {},
  };
  const { samples } = await drive(clock, adapter, open(100, 2000));
  assert.equal(samples.length, 200);
  const slow = samples.filter((s) => s.end - s.intendedStart > 100).length;
  // Arrivals every 10 ms during a 500 ms stall: about 50 requests wait behind it.
  assert.ok(slow >= 45 && slow <= 55, `slow requests: ${slow}`);
  // Their service time (from the actual send) would hide it; latency does not.
  const maxLatency = Math.max(...samples.map((s) => s.end - s.intendedStart));
  assert.ok(maxLatency >= 500, `max latency ${maxLatency}`);
});

test('open loop: starts beyond max_in_flight are dropped and counted', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 100);
  const { samples, outcome } = await drive(clock, adapter, open(100, 1000, { maxInFlight: 2 }));
  assert.equal(outcome.scheduled, 100);
  assert.equal(outcome.dropped + samples.length, 100);
  assert.ok(samples.length >= 18 && samples.length <= 22, `completed ${samples.length}`);
});

test('warm-up by time is excluded from the samples and counted on its own', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 2);
  const { samples, outcome } = await drive(clock, adapter, open(100, 1000, { warmup: { kind: 'time', ms: 500 } }));
  assert.equal(samples.length, 100);
  assert.equal(outcome.warmupRequests, 50);
  assert.equal(outcome.windowStart, 500);
  assert.ok(samples.every((s) => s.intendedStart >= 500));
});

test('warm-up by count opens the window after N completions', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 3);
  const { samples, outcome } = await drive(clock, adapter, {
    mode: 'closed', clients: 1, thinkTimeMs: 0, ...base, warmup: { kind: 'requests', count: 10 }, durationMs: undefined, requests: 25,
  });
  assert.equal(outcome.warmupRequests, 10);
  assert.equal(samples.length, 25);
  assert.equal(outcome.windowStart, 30);
});

test('closed loop: clients x duration / (service + think) requests', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 10);
  const { samples } = await drive(clock, adapter, { mode: 'closed', clients: 2, thinkTimeMs: 40, ...base, durationMs: 1000 });
  assert.equal(samples.length, 40);
  assert.deepEqual([...new Set(samples.map((s) => s.clientId))].sort(), [0, 1]);
  for (const s of samples) assert.equal(s.end - s.intendedStart, 10);
});

test('closed loop stages ramp the number of clients', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 10);
  const { samples } = await drive(clock, adapter, {
    mode: 'closed', clients: 1, thinkTimeMs: 0, ...base,
    stages: [{ durationMs: 0, target: 1 }, { durationMs: 1000, target: 1 }, { durationMs: 0, target: 4 }, { durationMs: 1000, target: 4 }],
    durationMs: 2000,
  });
  const early = samples.filter((s) => s.intendedStart < 1000).length;
  const late = samples.filter((s) => s.intendedStart >= 1100).length;
  assert.ok(Math.abs(early - 100) <= 2, `early ${early}`);
  assert.ok(Math.abs(late - 360) <= 8, `late ${late}`);
});

test('a request count ends the run after exactly that many measured requests', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 1);
  const { samples } = await drive(clock, adapter, open(1000, undefined as unknown as number, { durationMs: undefined, requests: 37 }));
  assert.equal(samples.length, 37);
});

test('failures are recorded with their class, not dropped', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 1, (i) => i % 10 === 0);
  const { samples } = await drive(clock, adapter, open(100, 1000));
  const failed = samples.filter((s) => !s.ok);
  assert.equal(failed.length, 10);
  assert.ok(failed.every((s) => s.errorClass === 'http_5xx' && s.status === 500));
});

test('stopping mid-run ends issuing, lets in-flight requests finish, and marks the run interrupted', async () => {
  const clock = new ManualClock();
  const { adapter } = timedAdapter(clock, () => 30);
  const { samples, outcome } = await drive(clock, adapter, open(100, 10_000), new AbortController(), 500);
  assert.equal(outcome.interrupted, true);
  assert.equal(outcome.cancelled, 0);
  // Starts at 0..500 ms were issued (the stop lands on the 500 ms tick); every one completed and was recorded.
  assert.ok(outcome.scheduled === 50 || outcome.scheduled === 51, `scheduled ${outcome.scheduled}`);
  assert.equal(samples.length, outcome.scheduled);
});

test('an adapter that throws gets a classified failure and the run goes on', async () => {
  const clock = new ManualClock();
  let n = 0;
  const adapter: Adapter<number> = {
    async setup() {},
    prepare: () => n++,
    async execute(i) {
      if (i % 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      return { ok: true };
    },
    async teardown() {},
  };
  const { samples } = await drive(clock, adapter, open(100, 200));
  assert.equal(samples.length, 20);
  assert.equal(samples.filter((s) => s.errorClass === 'connection_refused').length, 10);
});

test('a request that never settles, from a backend that ignores its signal, times out and the run ends', async () => {
  const { systemClock } = await import('../../src/util/clock.js');
  const clock = systemClock();
  let n = 0;
  const adapter: Adapter<number> = {
    async setup() {},
    prepare: () => n++,
    execute: (i) => (i === 0 ? new Promise(() => {}) : Promise.resolve({ ok: true })),
    async teardown() {},
  };
  const samples: Sample[] = [];
  const s = { ...spec({ mode: 'closed', clients: 1, thinkTimeMs: 0, ...base, durationMs: undefined, requests: 3 }), timeoutMs: 200 };
  const t0 = Date.now();
  const outcome = await new ServiceRunner({ spec: s, adapter, clock, rng: createRng(1), onSample: (x) => samples.push(x), stop: new AbortController().signal }).run();
  assert.equal(samples.length, 3);
  assert.equal(samples[0]!.errorClass, 'timeout');
  const waited = samples[0]!.end - samples[0]!.intendedStart;
  assert.ok(waited >= 200 && waited < 260, `timed out after ${waited} ms`);
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(outcome.cancelled, 0);
});

test('closed loop: prepare learns its client (none in an open loop); a result\'s pauseAfterMs delays that client\'s next request', async () => {
  const clock = new ManualClock();
  const seen: (number | undefined)[] = [];
  let n = 0;
  const adapter: Adapter<{ client: number | undefined; n: number }> = {
    async setup() {},
    prepare: (_op, _rng, client) => {
      seen.push(client);
      return { client, n: n++ };
    },
    async execute(x, signal) {
      await clock.sleepUntil(clock.now() + 10, signal);
      // Client 0 asks for a 40 ms pause after each request; client 1 for none.
      return x.client === 0 ? { ok: true, pauseAfterMs: 40 } : { ok: true, pauseAfterMs: 0 };
    },
    async teardown() {},
  };
  const { samples } = await drive(clock, adapter, { mode: 'closed', clients: 2, thinkTimeMs: 5, durationMs: 300, ...base });
  assert.deepEqual(new Set(seen.filter((c) => c !== undefined)), new Set([0, 1]));
  const starts = (c: number) => samples.filter((s) => s.clientId === c).map((s) => s.intendedStart);
  const gaps = (c: number) => starts(c).slice(1).map((t, i) => t - starts(c)[i]!);
  assert.ok(gaps(0).length > 3 && gaps(0).every((g) => g === 10 + 5 + 40), `client 0 gaps ${gaps(0)}`);
  assert.ok(gaps(1).every((g) => g === 10 + 5), `client 1 gaps ${gaps(1)}`);

  seen.length = 0;
  const openRun = await drive(new ManualClock(), { ...adapter, execute: async () => ({ ok: true, pauseAfterMs: 1000 }) }, open(100, 1000));
  assert.equal(openRun.samples.length, 100, 'an open loop keeps its schedule whatever pause is asked');
  assert.ok(seen.length === 100 && seen.every((c) => c === undefined), 'an open loop has no client to name');
});

test('open loop: prepare learns how long from now its arrival is due, which is the arrival\'s intended start', async () => {
  const clock = new ManualClock();
  const due: number[] = [];
  const adapter: Adapter<number> = {
    async setup() {},
    prepare: (_op, _rng, _client, startsInMs) => {
      due.push(clock.now() + startsInMs!);
      return due.length;
    },
    execute: async () => ({ ok: true }),
    async teardown() {},
  };
  const { samples } = await drive(clock, adapter, open(100, 200));
  assert.equal(samples.length, 20);
  assert.deepEqual(due.slice(0, 20), samples.map((s) => s.intendedStart));
});

test('a result stamped complete before it was parsed ends at the stamp; a stamp outside the operation is ignored', async () => {
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const run = async (completeAt: (sentAt: number, doneAt: number) => number | undefined) => {
    const samples: Sample[] = [];
    const adapter: Adapter<null> = {
      async setup() {},
      prepare: () => null,
      async execute() {
        const sentAt = performance.now();
        await pause(20);
        const doneAt = performance.now();
        // The client's own parsing after the last byte: not the service's time.
        await pause(60);
        const at = completeAt(sentAt, doneAt);
        return at === undefined ? { ok: true } : { ok: true, completeAt: at };
      },
      async teardown() {},
    };
    const load: LoadProfile = { mode: 'closed', clients: 1, thinkTimeMs: 0, durationMs: 60_000, ...base, requests: 3 };
    const runner = new ServiceRunner({ spec: spec(load), adapter, clock: systemClock(), rng: createRng(1), onSample: (s) => samples.push(s), stop: new AbortController().signal, graceMs: 10_000 });
    await runner.run();
    return samples.map((s) => s.end - s.actualStart);
  };
  const stamped = await run((_s, done) => done);
  assert.equal(stamped.length, 3);
  assert.ok(stamped.every((t) => t >= 19 && t < 60), `ends at the last byte: ${stamped.map((t) => t.toFixed(1))}`);
  const unstamped = await run(() => undefined);
  assert.ok(unstamped.every((t) => t >= 79), `without a stamp the end is when the result came back: ${unstamped}`);
  // A stamp from before the operation started (or another clock) cannot shorten it.
  const bogus = await run((sent) => sent - 1_000);
  assert.ok(bogus.every((t) => t >= 79), `a stamp outside the operation is ignored: ${bogus}`);
});
