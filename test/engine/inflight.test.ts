import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { InFlight, type InFlightRequest } from '../../src/engine/inflight.js';

const never = () => new Promise<never>(() => {});

/**
 * The clock InFlight is given (it judges deadlines by it), moved only by the test. The sweep
 * runs on its own real timer, but what it decides depends on this clock alone: a timer that
 * fires late on a busy machine changes when a sweep runs, never what it finds.
 */
function testClock() {
  let time = 0;
  let readers: (() => void)[] = [];
  return {
    now: () => {
      const r = readers;
      readers = [];
      for (const wake of r) wake();
      return time;
    },
    set(t: number) {
      time = t;
    },
    /**
     * Resolves right after the next sweep that finds requests in flight (it reads the clock
     * and acts on it synchronously). Called after the test's own calls, so only a sweep reads.
     */
    nextSweep: () => new Promise<void>((wake) => readers.push(wake)),
  };
}

/** The sweep's interval timer, seen through spies on setInterval and clearInterval (they call the real ones). */
function sweepTimer(t: TestContext, resolutionMs: number) {
  const set = t.mock.method(globalThis, 'setInterval');
  const clear = t.mock.method(globalThis, 'clearInterval');
  const handles = () => set.mock.calls.filter((c) => c.arguments[1] === resolutionMs).map((c) => c.result);
  const cleared = () => {
    const [h] = handles();
    return h !== undefined && clear.mock.calls.some((c) => c.arguments[0] === h);
  };
  return {
    /** How many sweep timers were armed. */
    armed: () => handles().length,
    cleared,
    /** Waits for the sweep to clear its timer; false if it has not after `limitMs` (a generous bound, met at once when it works). */
    async stops(limitMs = 10_000): Promise<boolean> {
      const until = performance.now() + limitMs;
      while (!cleared()) {
        if (performance.now() > until) return false;
        await delay(5);
      }
      return true;
    },
  };
}

test('requests that end and requests that time out, interleaved, each settle once with the right outcome', async (t) => {
  const clock = testClock();
  const timer = sweepTimer(t, 4);
  const inflight = new InFlight(clock.now, 40); // a sweep every 4 ms
  // Request i starts at (test) time i with a 40 ms timeout. Two in three end on their own
  // 1–19 ms later; every third never ends in time, and its work ends 45 ms after its start,
  // after the sweep timed it out. Starts, ends and timeouts interleave over 0–104 ms.
  const n = 60;
  const timesOut = (i: number) => i % 3 === 0;
  const endsAt = (i: number) => (timesOut(i) ? i + 45 : i + 1 + (i % 7) * 3);
  const ending = new Map<number, (() => void)[]>();
  const requests: InFlightRequest<number>[] = [];
  const signals: AbortSignal[] = [];
  for (let time = 0; time < n || inflight.size > 0; time++) {
    clock.set(time);
    if (time < n) {
      const i = time;
      const r = inflight.run(40, (signal) => {
        signals[i] = signal;
        return new Promise<number>((resolve) => ending.set(endsAt(i), [...(ending.get(endsAt(i)) ?? []), () => resolve(i)]));
      });
      r.promise.catch(() => {}); // its rejection is examined at the end
      requests.push(r);
    }
    // Work that ends now settles (microtasks) before any later sweep (a timer) can see it.
    for (const end of ending.get(time) ?? []) end();
    if (time % 4 !== 0) continue;
    // One sweep at this time: exactly the requests past their deadline time out.
    await clock.nextSweep();
    assert.equal(timer.cleared(), false, 'the sweep keeps its timer while requests are in flight');
    let live = 0;
    requests.forEach((r, i) => {
      const expected = timesOut(i) && i + 40 <= time ? 'timeout' : 'running';
      assert.equal(r.outcome, expected, `request ${i} at ${time} ms`);
      if (expected === 'running' && endsAt(i) > time) live++;
    });
    assert.equal(inflight.size, live, `in flight at ${time} ms`);
  }
  const settled = await Promise.allSettled(requests.map((r) => r.promise));
  settled.forEach((s, i) => {
    if (timesOut(i)) {
      // Its work ended later with a value: the request had already settled, and stays so.
      assert.equal(s.status, 'rejected', `request ${i}`);
      assert.match(String((s as PromiseRejectedResult).reason), /timed out/);
      assert.equal(requests[i]!.outcome, 'timeout');
      assert.equal(signals[i]!.aborted, true, 'a timed-out request\'s work is aborted');
    } else {
      assert.deepEqual(s, { status: 'fulfilled', value: i });
      assert.equal(requests[i]!.outcome, 'running');
    }
  });
  assert.equal(inflight.size, 0);
  // One sweep timer served every request, and the first sweep that finds nothing stops it.
  assert.equal(timer.armed(), 1);
  assert.equal(await timer.stops(), true, 'the sweep stopped once nothing was in flight');
});

test('cancelAll rejects only the requests still running; the sweep stops once nothing is in flight', async (t) => {
  // The clock never moves: nothing can time out, however long the machine takes.
  const clock = testClock();
  const timer = sweepTimer(t, 100);
  const inflight = new InFlight(clock.now, 10_000); // a sweep every 100 ms
  const done = inflight.run(10_000, async () => 'ok');
  const stuck = [inflight.run(10_000, never), inflight.run(10_000, never), inflight.run(10_000, never)];
  assert.equal(await done.promise, 'ok');
  assert.equal(inflight.size, 3);
  await clock.nextSweep();
  assert.deepEqual(stuck.map((r) => r.outcome), ['running', 'running', 'running']);
  inflight.cancelAll();
  for (const r of stuck) {
    await assert.rejects(r.promise, /run stopped/);
    assert.equal(r.outcome, 'cancelled');
  }
  assert.equal(done.outcome, 'running');
  assert.equal(inflight.size, 0);
  // The sweep runs while anything is in flight and ends at the first sweep that finds
  // nothing (cancelAll does not stop it itself): no timer is left to keep the process alive.
  assert.equal(timer.armed(), 1);
  assert.equal(timer.cleared(), false, 'the timer outlives cancelAll until the next sweep');
  assert.equal(await timer.stops(), true, 'the sweep stopped once nothing was in flight');
});
