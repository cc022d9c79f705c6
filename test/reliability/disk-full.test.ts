import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import type { Report } from '../../src/report/types.js';

// Needs root (CI runs as root): the metrics database goes on a 320 KiB tmpfs that fills up mid-run.
test('the metrics disk filling up mid-run stops the load with one clear error, keeps what was stored, and still reports (exit 1)', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  const small = mkdtempSync(join(tmpdir(), 'aifb-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=320k', 'tmpfs', small]);
  t.after(() => {
    execFileSync('umount', ['-l', small]);
    rmSync(small, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: ${join(small, 'metrics.db')}, reports_dir: ${join(dir, 'reports')}}
services:
  - service_name: web
    service_type: http
    url: ${server.url}/
    duration: 30s
    load: {rate: 2000, max_in_flight: 64}
`);
  const started = Date.now();
  const res = await runCli(['run', 'r.yaml', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  assert.ok(Date.now() - started < 25_000, 'the load stopped early instead of running its 30 s');
  assert.match(res.stderr, /cannot be written \(.*(full|SQLITE_FULL).*\): stopping the load/i);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  const file = readdirSync(join(dir, 'reports')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'reports', file), 'utf8')) as Report;
  assert.equal(report.partial, true);
  assert.ok(report.services.web!.requests.total > 0, 'what was committed before the disk filled is reported');
});
