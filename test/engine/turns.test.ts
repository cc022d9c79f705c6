import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRunner } from '../../src/engine/runner.js';
import { forcedTurns, TURN_BUDGET_MS } from '../../src/engine/turns.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import type { Adapter } from '../../src/services/contract.js';
import { systemClock } from '../../src/util/clock.js';
import { createRng } from '../../src/util/rng.js';

const spec: ServiceSpec = {
  name: 'sync',
  type: 'test',
  backend: undefined,
  fields: {},
  load: { mode: 'closed', clients: 64, thinkTimeMs: 0, durationMs: 400, stages: [], warmup: { kind: 'none' }, requests: undefined },
  mix: [{ operation: 'op', weight: 1 }],
  timeoutMs: 60_000,
  seed: 1,
  slo: undefined,
  steps: undefined,
};

test('a closed loop whose operations resolve at once still lets timers and I/O run between them', async () => {
  // Resolves in a microtask, like an embedded engine's cached answer or a null backend.
  const adapter: Adapter<undefined> = { async setup() {}, prepare: () => undefined, execute: () => Promise.resolve({ ok: true }), async teardown() {} };
  let samples = 0;
  const runner = new ServiceRunner({ spec, adapter, clock: systemClock(), rng: createRng(1), onSample: () => samples++, stop: new AbortController().signal });
  const ticks: number[] = [];
  let running = true;
  const timer = setInterval(() => running && ticks.push(performance.now()), 5);
  const turnsBefore = forcedTurns();
  const started = performance.now();
  await runner.run();
  running = false;
  clearInterval(timer);
  const elapsed = performance.now() - started;
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
  const turns = forcedTurns() - turnsBefore;
  // Without the turn budget the microtask queue never empties: not one tick until the load ends.
  // (How often it ticks depends on the CPU the machine leaves this process: only "at all" is the code's.)
  assert.ok(ticks.length >= 2, `a 5 ms timer ticked ${ticks.length} times in ${elapsed.toFixed(0)} ms of load`);
  assert.ok(turns >= 1, 'the load gave the event loop turns');
  assert.ok(samples > 1000, `operations done: ${samples}`);
  // At most one forced turn per budget: the measured cost is bounded by the budget, not by the operations.
  assert.ok(turns <= elapsed / TURN_BUDGET_MS + 1, `forced turns ${turns} in ${elapsed.toFixed(0)} ms`);
  const ops = samples / (elapsed / 1000);
  process.stdout.write(`# ${samples} operations (${ops.toFixed(0)}/s), ${turns} forced turns, timer ticks ${ticks.length}, largest gap ${Math.max(...gaps).toFixed(1)} ms\n`);
});
