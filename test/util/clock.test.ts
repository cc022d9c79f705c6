import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monotonicOffsetMs } from '../../src/util/clock.js';

test('monotonicOffsetMs: readings agree to microseconds, also when one is preempted', () => {
  // performance.now() and process.hrtime read the same clock, so the offset is constant; a
  // single reading preempted between its two performance.now() calls was off by half the
  // preemption (seen 10-20 ms at load 8), and so was every instant put on the shared line.
  const readings = Array.from({ length: 2000 }, () => monotonicOffsetMs());
  const spread = Math.max(...readings) - Math.min(...readings);
  assert.ok(spread < 0.05, `readings spread over ${spread.toFixed(3)} ms`);
});
