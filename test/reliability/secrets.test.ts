import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { runCli, tempDir } from '../helpers/cli.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('secrets given by environment reference never reach reports, SQLite, logs, HTML or output', async (t) => {
  const SECRET = 'pw-7f3a9c-SUPERSECRET';
  const PLAIN = 'plain-9d8e7f-INFILE';
  let seen = 0;
  const server = createServer((req, res) => {
    if (req.headers.authorization === `Bearer ${SECRET}`) seen++;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const sim = await startLlmSimulator({ decode_ms: 1, ignore_eos: true });
  t.after(() => sim.close());

  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: out/metrics.db, reports_dir: out, logs_dir: out/logs}
services:
  - service_name: web
    service_type: http
    url: http://127.0.0.1:${(server.address() as AddressInfo).port}/
    headers: {Authorization: "Bearer \${AIFB_TEST_SECRET}"}
    duration: 1s
    load: {rate: 20}
  - service_name: llm
    service_type: vllm
    service_url: ${sim.url}
    api_key: \${AIFB_TEST_SECRET}
    password: ${PLAIN}
    model: sim-llm
    max_tokens: 4
    duration: 1s
    load: {rate: 5}
`);
  const res = await runCli(['run', 'r.yaml', '--json'], { cwd: dir, env: { AIFB_TEST_SECRET: SECRET } });
  assert.equal(res.code, 0, res.stderr);
  assert.ok(seen > 0, 'the secret was used: the server saw it');
  const artifacts = filesUnder(join(dir, 'out'));
  assert.ok(artifacts.some((f) => f.endsWith('.html')) && artifacts.some((f) => f.endsWith('metrics.db')));
  for (const f of artifacts) {
    const bytes = readFileSync(f);
    for (const s of [SECRET, PLAIN]) assert.equal(bytes.indexOf(s), -1, `${s} found in ${f}`);
  }
  for (const s of [SECRET, PLAIN]) {
    assert.ok(!res.stdout.includes(s), 'stdout');
    assert.ok(!res.stderr.includes(s), 'stderr');
  }
  assert.match(res.stderr, /services\[1\]\.password is written in the recipe in plain text/);
});
