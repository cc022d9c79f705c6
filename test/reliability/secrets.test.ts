import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { join } from 'node:path';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

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

/** An OpenAI-style server that lists models, then answers every request with 401 and a body echoing what it was sent. */
async function echoingServer(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/models')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: [{ id: 'm' }] }));
        return;
      }
      res.statusCode = 401;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'invalid key', authorization: req.headers.authorization, headers: req.headers, url: req.url, body: body.slice(0, 200) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function assertNowhere(secret: string, where: Record<string, string | Buffer>): void {
  for (const [name, bytes] of Object.entries(where)) {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    for (const form of [secret, encodeURIComponent(secret)]) assert.equal(b.indexOf(form), -1, `the secret (${form}) is in ${name}`);
  }
}

test('a 401 body echoing the Authorization header leaves no key in the DB, JSON, HTML, CSV or output', async (t) => {
  const SECRET = 'sk-echo-4b1d9e77c0ffee';
  const url = await echoingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: out/metrics.db, reports_dir: out, logs_dir: out/logs}
services:
  - service_name: llm
    service_type: vllm
    service_url: ${url}
    api_key: \${AIFB_TEST_SECRET}
    model: m
    max_tokens: 4
    duration: 1s
    load: {rate: 10}
`);
  const res = await runCli(['run', 'r.yaml', '--json'], { cwd: dir, env: { AIFB_TEST_SECRET: SECRET } });
  const report = JSON.parse(res.stdout) as { services: Record<string, { errors: Record<string, number> }> };
  assert.ok((report.services.llm?.errors.auth ?? 0) > 0, res.stderr);
  const csv = await runCli(['export', join(dir, 'out', 'metrics.db'), '--csv-samples', join(dir, 'out', 's.csv')], { cwd: dir });
  assert.equal(csv.code, 0, csv.stderr);
  const files = Object.fromEntries(filesUnder(join(dir, 'out')).map((f) => [f, readFileSync(f)]));
  assertNowhere(SECRET, { ...files, stdout: res.stdout, stderr: res.stderr });
  // The server's own message is kept (llm/common/client.ts errorText), the echoed header is not.
  assert.match(readFileSync(join(dir, 'out', 's.csv'), 'utf8'), /,401,invalid key,/, 'the server\'s message is kept, without the key');
});

test('validation errors never print a value that came from ${ENV}', async (t) => {
  const SECRET = 'tok-val-31c5a0d2e9';
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: a
    service_type: http
    url: "htp://h/?key=\${S}"
  - service_name: b
    service_type: \${S}
`);
  const res = await runCli(['validate', 'r.yaml'], { cwd: dir, env: { S: SECRET } });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /r\.yaml:4:\d+: .*url/);
  assert.match(res.stderr, /r\.yaml:6:\d+: .*service_type/);
  assertNowhere(SECRET, { stdout: res.stdout, stderr: res.stderr });
});

test('Slurm scripts reference ${ENV} values by name, whatever the variable is called (environment, launcher args)', async (t) => {
  const SECRET = 'pg-slurm-9a8b7c6d5e';
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `global: {logs_dir: logs}
services:
  - service_name: srv
    service_type: http
    url: http://placeholder/
    port: 8080
    environment: {PGPASSWORD: "\${S}", NOTE: "x \${S}", PLAIN: hello}
    launcher:
      type: slurm
      command: [my-server, --api-key, "\${S}", "--token=\${S}", --port, "{port}"]
    slurm: {partition: cpu, time: "00:10:00"}
`);
  const res = await runCli(['slurm', 'script', 'r.yaml'], { cwd: dir, env: { S: SECRET } });
  assert.equal(res.code, 0, res.stderr);
  assertNowhere(SECRET, { stdout: res.stdout, stderr: res.stderr });
  assert.match(res.stdout, /^export PGPASSWORD="\$\{S\}"$/m);
  assert.match(res.stdout, /^export NOTE='x '"\$\{S\}"$/m);
  assert.match(res.stdout, /^export PLAIN=hello$/m);
  assert.match(res.stdout, /my-server --api-key "\$\{S\}" --token="\$\{S\}" --port 8080/);
  assert.match(res.stdout, /^: "\$\{S:\?S must be set/m);
});

test('property: a random secret put wherever a recipe takes ${ENV} reaches no byte of any output', { timeout: 600_000 }, async (t) => {
  const echo = await echoingServer(t);
  const secret = fc.tuple(fc.stringMatching(/^[A-Za-z0-9._~+=\/-]{8,24}$/), fc.stringMatching(/^[A-Za-z0-9]{4}$/)).map(([a, b]) => `Q${a}${b}`);
  await fc.assert(
    fc.asyncProperty(secret, async (S) => {
      const dir = mkdtempSync(join(tmpdir(), 'aifb-secret-prop-'));
      try {
        writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: out/metrics.db, reports_dir: out, logs_dir: out/logs}
services:
  - service_name: web
    service_type: http
    url: "${echo}/v2/x?key=\${S}"
    headers: {Authorization: "Bearer \${S}", X-Api-Key: "\${S}", X-Note: "note \${S}"}
    environment: {PGPASSWORD: "\${S}", NOTE: "n \${S}"}
    duration: 1s
    load: {rate: 10}
  - service_name: llm
    service_type: vllm
    service_url: ${echo}
    api_key: "\${S}"
    model: m
    max_tokens: 4
    duration: 1s
    load: {rate: 10}
`);
        writeFileSync(join(dir, 'slurm.yaml'), `global: {logs_dir: out/slurm-logs}
services:
  - service_name: srv
    service_type: http
    url: http://placeholder/
    port: 8080
    environment: {SOME_VAR: "\${S}", OTHER: "a \${S} b"}
    launcher:
      type: slurm
      command: [srv, --key, "\${S}", "--auth=Bearer \${S}", --port, "{port}"]
    slurm: {partition: cpu, time: "00:10:00"}
`);
        writeFileSync(join(dir, 'bad.yaml'), `services:
  - service_name: a
    service_type: http
    url: "htp://h/?key=\${S}"
    timeout: "\${S}"
  - service_name: b
    service_type: "\${S}"
`);
        const env = { S };
        const outputs: CliResult[] = [];
        outputs.push(await runCli(['run', 'r.yaml', '--json'], { cwd: dir, env }));
        outputs.push(await runCli(['export', join(dir, 'out', 'metrics.db'), '--csv-samples', join(dir, 'out', 's.csv'), '--csv-summary', join(dir, 'out', 'sum.csv'), '--markdown', join(dir, 'out', 'r.md')], { cwd: dir, env }));
        outputs.push(await runCli(['report', join(dir, 'out', 'metrics.db')], { cwd: dir, env }));
        const script = await runCli(['slurm', 'script', 'slurm.yaml'], { cwd: dir, env });
        assert.equal(script.code, 0, script.stderr);
        assert.match(script.stdout, /"\$\{S\}"/);
        outputs.push(script);
        const bad = await runCli(['validate', 'bad.yaml'], { cwd: dir, env });
        assert.equal(bad.code, 2, bad.stderr);
        outputs.push(bad);
        assert.ok(filesUnder(join(dir, 'out')).some((f) => f.endsWith('.html')));
        const files = Object.fromEntries(filesUnder(dir).filter((f) => !f.endsWith('.yaml')).map((f) => [f, readFileSync(f)]));
        const streams = Object.fromEntries(outputs.flatMap((o, i) => [[`stdout ${i}`, o.stdout], [`stderr ${i}`, o.stderr]]));
        assertNowhere(S, { ...files, ...streams });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 3, seed: 2323 },
  );
});

test('Authorization: "Bearer ${X}" is a reference, not a secret in plain text; "Bearer abc123" is', async (t) => {
  const dir = tempDir(t);
  const recipe = (auth: string) => `services:\n  - service_name: a\n    service_type: http\n    url: http://127.0.0.1:1/\n    headers: {Authorization: "${auth}"}\n`;
  writeFileSync(join(dir, 'ref.yaml'), recipe('Bearer ${X}'));
  writeFileSync(join(dir, 'plain.yaml'), recipe('Bearer abc123'));
  const ref = await runCli(['validate', 'ref.yaml'], { cwd: dir, env: { X: 'tok-123456' } });
  assert.equal(ref.code, 0, ref.stderr);
  assert.doesNotMatch(ref.stderr, /plain text/);
  const plain = await runCli(['validate', 'plain.yaml'], { cwd: dir });
  assert.match(plain.stderr, /headers\.Authorization is written in the recipe in plain text/);
});
