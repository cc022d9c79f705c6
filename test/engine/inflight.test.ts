import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { InFlight } from '../../src/engine/inflight.js';

const never = () => new Promise<never>(() => {});
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('requests that end and requests that time out, interleaved, each settle once with the right outcome', async () => {
  const timersBefore = timers();
  const inflight = new InFlight(() => performance.now(), 40);
  const requests = Array.from({ length: 60 }, (_, i) =>
    inflight.run(40, (signal) => (i % 3 === 0 ? never() : delay(1 + (i % 7) * 3, i, { signal }))),
  );
  assert.equal(inflight.size, 60);
  const settled = await Promise.allSettled(requests.map((r) => r.promise));
  settled.forEach((s, i) => {
    if (i % 3 === 0) {
      assert.equal(s.status, 'rejected', `request ${i}`);
      assert.match(String((s as PromiseRejectedResult).reason), /timed out/);
      assert.equal(requests[i]!.outcome, 'timeout');
    } else {
      assert.deepEqual(s, { status: 'fulfilled', value: i });
      assert.equal(requests[i]!.outcome, 'running');
    }
  });
  assert.equal(inflight.size, 0);
  await delay(10); // one sweep (every 4 ms here) finds nothing and stops
  assert.equal(timers(), timersBefore);
});

test('cancelAll rejects only the requests still running; the sweep stops once nothing is in flight', async () => {
  const timersBefore = timers();
  const inflight = new InFlight(() => performance.now(), 10_000);
  const done = inflight.run(10_000, async () => 'ok');
  const stuck = [inflight.run(10_000, never), inflight.run(10_000, never), inflight.run(10_000, never)];
  assert.equal(await done.promise, 'ok');
  assert.equal(inflight.size, 3);
  inflight.cancelAll();
  for (const r of stuck) {
    await assert.rejects(r.promise, /run stopped/);
    assert.equal(r.outcome, 'cancelled');
  }
  assert.equal(done.outcome, 'running');
  assert.equal(inflight.size, 0);
  // The sweep (every 100 ms here) runs while anything is in flight and ends at the first
  // sweep that finds nothing: no timer is left to keep the process alive.
  assert.equal(timers(), timersBefore + 1);
  await delay(150);
  assert.equal(timers(), timersBefore);
});
