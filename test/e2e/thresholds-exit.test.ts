import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';

test('a failed threshold exits 99; abort_on_fail stops the run early; the HTML report is written', async (t) => {
  const server = await countingServer(t, 20);
  const dir = tempDir(t);
  const recipe = (extra: string) => `services:
  - service_name: web
    service_type: http
    url: ${server.url}/x
    duration: ${extra ? '30s' : '2s'}
    load: {rate: 100}
    thresholds: {p99_latency_ms: "<5"${extra}}
`;
  writeFileSync(join(dir, 'end.yaml'), recipe(''));
  const end = await runCli(['run', 'end.yaml', '--out', 'end', '--quiet'], { cwd: dir });
  assert.equal(end.code, 99, end.stderr);
  assert.match(end.stdout, /Thresholds: 1 of 1 FAILED/);
  assert.ok(readdirSync(join(dir, 'end')).some((f) => f.endsWith('_report.html')));

  writeFileSync(join(dir, 'abort.yaml'), recipe(', abort_on_fail: true, abort_after: 1s'));
  const t0 = Date.now();
  const abort = await runCli(['run', 'abort.yaml', '--out', 'abort', '--quiet'], { cwd: dir });
  assert.equal(abort.code, 99, abort.stderr);
  assert.ok(Date.now() - t0 < 15_000, 'stopped well before the 30 s duration');
  assert.match(abort.stderr, /threshold failed: web p99_latency_ms <5 \(now \d/);
  assert.match(abort.stdout, /PARTIAL/);

  // compare and export are commands now.
  const cmp = await runCli(['compare', 'end/metrics.db', 'abort/metrics.db'], { cwd: dir });
  assert.equal(cmp.code, 0, cmp.stderr);
  const exp = await runCli(['export', 'end/metrics.db', '--junit', 'j.xml', '--markdown', 's.md'], { cwd: dir });
  assert.equal(exp.code, 0, exp.stderr);
});
