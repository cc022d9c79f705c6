import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';

const SECRET = 'tok-7f3a9c1e5b';

test('--log-format json / AIFB_LOG=json: one pino JSON object per line, on the terminal and in the run log; a secret from ${ENV} in none of them', async (t) => {
  const dir = tempDir(t);
  // The secret is in the host name, so the reachability error quotes it (then scrubbed).
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: web
    service_type: http
    url: http://\${TOK}.invalid/x
    headers: {Authorization: "Bearer \${TOK}"}
    duration: 1s
    load: {rate: 5}
`,
  );
  for (const [args, env] of [[['--log-format', 'json'], {}], [[], { AIFB_LOG: 'json' }]] as const) {
    const out = `out${Object.keys(env).length}`;
    const res = await runCli(['run', 'r.yaml', '--out', out, ...args], { cwd: dir, env: { TOK: SECRET, ...env } });
    assert.equal(res.code, 2, res.stderr);
    const lines = res.stderr.trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { level: string; time: string; msg: string; benchmark_id: string; service?: string });
    assert.ok(records.every((r) => r.benchmark_id.startsWith('benchmark_') && !Number.isNaN(Date.parse(r.time))));
    const error = records.find((r) => r.level === 'error');
    assert.ok(error, res.stderr);
    assert.equal(error.service, 'web');
    assert.match(error.msg, /http:\/\/\*\*\*\.invalid is not reachable/);
    const logFile = join(dir, out, 'logs', readdirSync(join(dir, out, 'logs'))[0]!);
    const logged = readFileSync(logFile, 'utf8');
    assert.deepEqual(logged.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), records.map((r) => r.msg));
    for (const text of [res.stderr, res.stdout, logged]) assert.ok(!text.includes(SECRET), 'the secret reached a log');
  }
  const bad = await runCli(['run', 'r.yaml', '--log-format', 'xml'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-format expects text or json, got "xml"/);
});
