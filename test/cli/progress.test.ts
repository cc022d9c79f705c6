import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LiveStats } from '../../src/engine/live.js';
import { Progress } from '../../src/cli/progress.js';

/** A stream that keeps what the live display wrote, one entry per write. */
function screen(): Writable & { writes: string[]; isTTY: boolean } {
  const writes: string[] = [];
  const w = new Writable({ write: (chunk: Buffer, _e, cb) => (writes.push(chunk.toString()), cb()) });
  return Object.assign(w, { writes, isTTY: true });
}

test('live display: setup shows the time since the service started (never "-0s"), and nothing is redrawn once every service is done', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let now = 1000;
  const out = screen();
  const progress = new Progress(out, () => now, 'live');
  const live = new LiveStats();
  live.plannedMs = 2000;
  progress.add('svc', live);
  now += 500;
  t.mock.timers.tick(500);
  assert.match(out.writes.at(-1)!, /svc {18}setup {5}1s {2}0 req\/s/);
  assert.doesNotMatch(out.writes.join(''), /-0s/);
  live.phase = 'measuring';
  live.windowStart = now;
  now += 1500;
  live.completed = 150;
  t.mock.timers.tick(500);
  assert.match(out.writes.at(-1)!, /measuring 2\/2s/);
  live.phase = 'done';
  now += 500;
  t.mock.timers.tick(500);
  const writes = out.writes.length;
  // Teardown of the other services, the report: the block stays as it is.
  for (let i = 0; i < 10; i++) {
    now += 500;
    t.mock.timers.tick(500);
  }
  progress.stop();
  assert.equal(out.writes.length, writes, 'no redraw after the end');
});
