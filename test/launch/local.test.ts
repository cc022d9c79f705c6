import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Report } from '../../src/report/types.js';
import { tempDir } from '../helpers/cli.js';
import { aifb, freePort } from './helpers.js';
import { portTaken } from '../../src/launch/readiness.js';

function readReport(dir: string): Report {
  const file = readdirSync(dir).find((f) => f.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;
}

function pgrep(marker: string): string {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const recipe = (port: number, launcher: string, extra = '') => `benchmark: {name: local-launch}
global: {logs_dir: logs}
services:
  - service_name: web
    service_type: http
    url: http://placeholder/
    port: ${port}
    duration: 2s
    load: {rate: 40}${extra}
    launcher:
${launcher}
`;

test('launcher local: starts a real server, benchmarks it where it came up, stops it afterwards', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  writeFileSync(join(dir, 'r.yaml'), recipe(port, `      type: local\n      command: [python3, -m, http.server, "{port}", --bind, "{host}"]\n      ready: {http: /}\n      ready_timeout: 20s`));
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const report = readReport(join(dir, 'out'));
  assert.equal(report.services.web!.requests.total, 80);
  assert.equal(report.services.web!.requests.failed, 0);
  assert.match(res.stderr, /started python3 \(pid \d+, log .*logs\/services\/web-\d+\.log\)/);
  assert.equal(await portTaken('127.0.0.1', port), undefined, 'the server is gone after the run');
  const logs = readdirSync(join(dir, 'logs', 'services'));
  assert.match(readFileSync(join(dir, 'logs', 'services', logs[0]!), 'utf8'), /"GET \/ HTTP\/1.1" 200/);
});

test('launcher local: a server that exits fails the service at once with its log tail', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const cmd = `[python3, -c, "import sys; print('loading model'); print('fatal: no such model llama9', file=sys.stderr); sys.exit(3)"]`;
  writeFileSync(join(dir, 'r.yaml'), recipe(port, `      type: local\n      command: ${cmd}\n      ready_timeout: 60s`));
  const started = Date.now();
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  assert.ok(Date.now() - started < 20_000, 'does not wait for the deadline');
  assert.match(res.stderr, /service "web" exited with code 3 before it was ready/);
  assert.match(res.stderr, /\| fatal: no such model llama9/);
  assert.equal(readReport(join(dir, 'out')).services.web!.status, 'failed');
});

test('launcher local: a server that never gets ready is killed at the deadline, its whole process group included', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const marker = `aifb-never-ready-${port}`;
  const cmd = `[sh, -c, "echo starting ${marker}; sleep 300 & wait", ${marker}]`;
  writeFileSync(join(dir, 'r.yaml'), recipe(port, `      type: local\n      command: ${cmd}\n      ready: {http: /health}\n      ready_timeout: 1500ms`));
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, /service "web" was not ready within 2 s \(last check: GET http:\/\/127\.0\.0\.1:\d+\/health: ECONNREFUSED\)/);
  assert.match(res.stderr, new RegExp(`\\| starting ${marker}`));
  assert.equal(pgrep(marker), '', 'no process of the service is left');
});

test('launcher local: a port already in use is refused rather than benchmarking someone else\'s server', async (t) => {
  const dir = tempDir(t);
  const squatter = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => squatter.once('listening', r));
  t.after(() => new Promise<void>((r) => squatter.close(() => r())));
  const port = (squatter.address() as { port: number }).port;
  writeFileSync(join(dir, 'r.yaml'), recipe(port, `      type: local\n      command: [python3, -m, http.server, "{port}"]`));
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use by another process`));
});
