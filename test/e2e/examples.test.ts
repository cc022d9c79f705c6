// The examples written for what the docs describe (http.yaml, llm-search.yaml,
// postgres-queries.yaml): each validates through the CLI without any secret set, http.yaml
// runs end to end against a loopback HTTP server as written, and postgres-queries.yaml's
// queries run on a real PostgreSQL (shortened: only the duration, warm-up and row count).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { notRun } from '../helpers/live.js';
import { PG_BIN, startPostgres } from '../helpers/postgres-server.js';
import type { Report } from '../../src/report/types.js';

const example = (name: string) => join(repoRoot, 'examples', name);
const reportOf = (dir: string): Report => {
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
};

test('examples/http.yaml, llm-search.yaml, postgres-queries.yaml validate with no secret in the environment', async (t) => {
  if (process.env.PGPASSWORD !== undefined) return notRun(t, 'PGPASSWORD is set in this environment; the check is for a machine without it');
  const res = await runCli(['validate', '--json', example('http.yaml'), example('llm-search.yaml'), example('postgres-queries.yaml')]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const out = JSON.parse(res.stdout) as { file: string; valid: boolean; warnings: unknown[]; services: { name?: string }[] }[];
  assert.deepEqual(out.map((o) => o.valid), [true, true, true]);
  assert.match(JSON.stringify(out[2]!.warnings), /PGPASSWORD is not set/, 'a missing secret is a warning for validate');
});

test('examples/http.yaml runs end to end against a loopback server: three named requests, thresholds judged, the token never written', async (t) => {
  const seen = new Map<string, number>();
  let auth = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      auth = req.headers.authorization ?? '';
      res.setHeader('content-type', 'application/json');
      if (req.url === '/health') return void res.end('{"ok":true}');
      if (req.method === 'GET' && req.url === '/items?page=1') return void res.end('[{"id":1}]');
      if (req.method === 'POST' && req.url === '/items' && JSON.parse(body).name === 'aifb') return void (res.statusCode = 201, res.end('{"id":2}'));
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const dir = tempDir(t);
  const token = 'tok-3f9a1c7e55d2';
  const res = await runCli(['run', example('http.yaml'), '--out', 'out', '--quiet'], {
    cwd: dir,
    env: { HTTP_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, API_TOKEN: token },
  });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(auth, `Bearer ${token}`);
  assert.deepEqual([...seen.keys()].sort(), ['GET /health', 'GET /items?page=1', 'POST /items']);
  const report = reportOf(dir);
  const api = report.services.api!;
  assert.equal(api.requests.failed, 0);
  assert.ok(Math.abs(api.load.achieved_rate! - 50) < 5, `achieved ${api.load.achieved_rate} req/s`);
  assert.deepEqual(Object.keys(api.operations).sort(), ['create', 'health', 'list']);
  assert.ok(Math.abs(api.operations.list!.requests.total / api.requests.total - 0.6) < 0.1);
  assert.equal(report.thresholds.defined, 2);
  assert.equal(report.thresholds.failed, 0);
  assert.match(res.stdout, /^PASS — /m);
  for (const f of readdirSync(join(dir, 'out'))) {
    if (f.endsWith('.json') || f.endsWith('.html')) assert.doesNotMatch(readFileSync(join(dir, 'out', f), 'utf8'), new RegExp(token), f);
  }
});

test('examples/postgres-queries.yaml: its queries run on a real PostgreSQL and every operation succeeds', async (t) => {
  if (!existsSync(join(PG_BIN, 'postgres'))) return notRun(t, `PostgreSQL is not installed at ${PG_BIN} (scripts/setup.sh installs Debian's postgresql)`);
  const pg = await startPostgres({ settings: { fsync: 'off' } });
  t.after(() => pg.destroy());
  const dir = tempDir(t);
  // The example as written, shortened for a test: 3 s, 1 s warm-up, 2,000 rows.
  const text = readFileSync(example('postgres-queries.yaml'), 'utf8').replace('duration: 30s', 'duration: 3s').replace('warmup: 5s', 'warmup: 1s').replace('initial_rows: 50000', 'initial_rows: 2000');
  assert.notEqual(text, readFileSync(example('postgres-queries.yaml'), 'utf8'));
  writeFileSync(join(dir, 'pg.yaml'), text);
  const res = await runCli(['run', 'pg.yaml', '--out', 'out', '--quiet'], {
    cwd: dir,
    env: { PGHOST: pg.host, PGPORT: String(pg.port), PGDATABASE: pg.database, PGUSER: pg.user, PGPASSWORD: pg.password },
  });
  assert.ok(res.code === 0 || res.code === 99, res.stdout + res.stderr);
  const s = reportOf(dir).services['pg-queries']!;
  assert.deepEqual(Object.keys(s.operations).sort(), ['credit', 'delete', 'point_read', 'range_scan', 'upsert']);
  for (const [op, o] of Object.entries(s.operations)) assert.equal(o.requests.failed, 0, `${op}: ${JSON.stringify(o.errors ?? {})}`);
  assert.ok(s.requests.total > 500, `${s.requests.total} requests`);
});
