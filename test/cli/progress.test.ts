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
  t.after(() => progress.stop());
  const live = new LiveStats();
  live.plannedMs = 2000;
  progress.add('svc', live);
  now += 500;
  t.mock.timers.tick(500);
  const text = () => out.writes.join('').replace(/\x1b\[[?0-9;]*[A-Za-z]/g, '');
  assert.match(text(), /svc {18}░{20} setup {5}1s {7}ETA - {4}\| 0 req\/s/);
  assert.doesNotMatch(out.writes.join(''), /-0s/);
  live.phase = 'measuring';
  live.windowStart = now;
  now += 1000;
  live.completed = 150;
  t.mock.timers.tick(500);
  assert.match(text(), /svc {18}█{10}░{10} measuring 1\/2s {5}ETA 1s {3}\| \d+ req\/s/, 'a bar and the ETA of the window');
  now += 1000;
  t.mock.timers.tick(500);
  assert.match(text(), /█{20} measuring 2\/2s {5}ETA 0s/);
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
