import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForTurn } from '../../src/util/turn-poller.js';
import { systemClock } from '../../src/util/clock.js';

test('sleepers wake at or after their deadline, earliest first, and none is woken early', async () => {
  const now = performance.now();
  const woke: { i: number; late: number }[] = [];
  const deadlines = [1.5, 0.2, 3, 0.7, 0.7, 2.2].map((d) => now + d);
  await Promise.all(deadlines.map((until, i) => waitForTurn(until).then(() => woke.push({ i, late: performance.now() - until }))));
  assert.equal(woke.length, deadlines.length);
  for (const w of woke) assert.ok(w.late >= 0, `sleeper ${w.i} woke ${-w.late} ms early`);
  const order = woke.map((w) => deadlines[w.i]!);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('an abort rejects a waiting sleeper with the signal’s reason and leaves the others be', async () => {
  const stop = new AbortController();
  const waiting = waitForTurn(performance.now() + 10_000, stop.signal);
  const other = waitForTurn(performance.now() + 5);
  stop.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  await other;
  await assert.rejects(waitForTurn(performance.now() + 1, stop.signal), /stop/);
});

test('the system clock sleeps across the timer and the per-turn part without waking early', async () => {
  const clock = systemClock();
  for (const ms of [0.3, 2.5, 7]) {
    const until = clock.now() + ms;
    await clock.sleepUntil(until);
    assert.ok(clock.now() >= until, `${ms} ms sleep woke early`);
  }
});
