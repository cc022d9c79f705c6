import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import type { Report } from '../../src/report/types.js';

function readReport(dir: string): Report {
  const file = readdirSync(dir).find((f) => f.endsWith('_report.json'));
  assert.ok(file, `no report in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;
}

test('aifb run: open-loop Poisson 500 req/s for 5 s against a real HTTP server; report, SQLite and the seed queries agree', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'recipe.yaml'),
    `benchmark: {name: e2e}
global: {metrics_db: metrics.db, reports_dir: reports}
services:
  - service_name: web
    service_type: http
    url: ${server.url}/hello
    duration: 5s
    load: {rate: 500, arrival: poisson, warmup: 1s}
  - service_name: flaky
    service_type: http
    url: ${server.url}/fail
    client_count: 2
    duration: 2s
`,
  );
  const res = await runCli(['run', 'recipe.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  // A service whose every request fails is still a finished run; exit 0 means it ran.
  assert.equal(res.code, 0, res.stderr);
  const report = readReport(join(dir, 'out'));
  const web = report.services.web!;
  assert.equal(report.status, 'complete');
  assert.equal(web.load.mode, 'open');
  assert.equal(web.load.requested_rate, 500);
  assert.equal(web.load.scheduled_starts, 2500);
  assert.ok(Math.abs(web.load.achieved_rate! - 500) / 500 < 0.02, `achieved ${web.load.achieved_rate}`);
  assert.equal(web.load.dropped_starts, 0);
  assert.ok(web.load.warmup_requests > 400, `warm-up ${web.load.warmup_requests}`);
  assert.equal(web.requests.total, 2500);
  assert.equal(web.requests.failed, 0);
  assert.ok(web.percentiles.p50! > 0 && web.percentiles.p50! <= web.percentiles.p99!);

  const flaky = report.services.flaky!;
  assert.ok(flaky.requests.total > 10);
  assert.equal(flaky.requests.failed, flaky.requests.total, 'every 503 is a counted failure');
  assert.deepEqual(Object.keys(flaky.errors), ['http_5xx']);
  assert.equal(flaky.latency.failed.count, flaky.requests.total);
  assert.ok(flaky.percentiles.p50 !== null, 'failed requests are in the percentiles');

  // Every request the server answered is a row (warm-up rows are excluded by design).
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number };
  assert.equal(rows.n, web.requests.total + flaky.requests.total);
  assert.equal(server.state.answered, rows.n + web.load.warmup_requests);

  // The seed report's Listing 8.1, as written.
  const summary = db
    .prepare(
      `SELECT
    service_name ,
    COUNT(*) as total ,
    SUM(CASE WHEN success = 1 THEN 1 ELSE 0 END) as successful ,
    AVG(request_duration) as avg_duration ,
    MIN(request_duration) as min_duration ,
    MAX(request_duration) as max_duration
FROM metrics
WHERE benchmark_id = ?
GROUP BY service_name`,
    )
    .all(report.benchmark_id) as { service_name: string; total: number; successful: number; avg_duration: number }[];
  const webRow = summary.find((r) => r.service_name === 'web')!;
  assert.equal(webRow.total, 2500);
  assert.equal(webRow.successful, 2500);
  assert.ok(Math.abs(webRow.avg_duration - web.timing.avg_duration!) < 1e-9, `${webRow.avg_duration} vs ${web.timing.avg_duration}`);
  const ordered = db
    .prepare(`SELECT service_name , request_duration FROM metrics WHERE success = 1 ORDER BY request_duration`)
    .all() as { request_duration: number }[];
  assert.equal(ordered.length, 2500);

  // Provenance is recorded; the recipe text is stored.
  const run = db.prepare('SELECT * FROM runs').get() as Record<string, unknown>;
  assert.equal(run.status, 'complete');
  assert.match(String(run.recipe_text), /service_name: web/);
  assert.match(String(run.recipe_hash), /^[0-9a-f]{64}$/);
  assert.equal(run.node_version, process.version);

  // aifb report rebuilds the same JSON from the database.
  const rebuilt = await runCli(['report', join(dir, 'out', 'metrics.db'), '--id', report.benchmark_id, '--json']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  const again = JSON.parse(rebuilt.stdout) as Report;
  assert.deepEqual({ ...again, generated_at: '' }, { ...report, generated_at: '' });
});

test('SIGTERM mid-run stops the load and leaves a partial report holding every completed request', async (t) => {
  const server = await countingServer(t, 20);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'recipe.yaml'),
    `services:
  - service_name: long
    service_type: http
    url: ${server.url}/slow
    duration: 60s
    load: {rate: 200}
`,
  );
  const { child, done } = startCli(['run', 'recipe.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  const t0 = Date.now();
  while (server.state.answered < 300 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const res = await done;
  assert.equal(res.code, 143, res.stderr);
  assert.ok(Date.now() - t0 < 30_000, 'stopped well before the 60 s duration');
  const report = readReport(join(dir, 'out'));
  assert.equal(report.partial, true);
  assert.equal(report.status, 'partial');
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
  assert.equal(report.services.long!.requests.total, rows);
  assert.equal(rows, server.state.answered, 'every answered request is in the database');
  assert.equal(report.services.long!.load.cancelled, 0);
});

test('a broken recipe exits 2 with one readable message naming file and line, and no stack trace', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'bad.yaml'), `services:\n  - service_name: x\n    service_type: http\n    url: http://127.0.0.1:1/\n    load: {rate: 0}\n`);
  const res = await runCli(['run', 'bad.yaml'], { cwd: dir });
  assert.equal(res.code, 2);
  assert.match(res.stderr, /bad\.yaml:5:\d+: services\[0\]\.load\.rate: expected number > 0/);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  const missing = await runCli(['validate', 'nope.yaml'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /recipe file not found: nope\.yaml/);
  const badFlag = await runCli(['run', '--max-workers', 'zero'], { cwd: dir });
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--max-workers expects a positive integer/);
});

test('an unreachable endpoint is bad input: exit 2 naming the service in the recipe, and the other services still run', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: fine
    service_type: http
    url: ${server.url}/
    duration: 1s
  - service_name: llm
    service_type: vllm
    service_url: http://127.0.0.1:9
`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /r\.yaml:6:5: vllm server at http:\/\/127\.0\.0\.1:9 is not reachable \(ECONNREFUSED\)/);
  const report = readReport(join(dir, 'out'));
  assert.equal(report.services.llm!.status, 'failed');
  assert.equal(report.services.fine!.status, 'complete');
  assert.ok(report.services.fine!.requests.total > 0);
});

test('validate accepts the seed recipe and schema prints a JSON Schema', async () => {
  const v = await runCli(['validate', 'examples/seed-recipe.yaml']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /ollama-llama2 \(ollama\): open loop poisson 10 req\/s, max_in_flight 5/);
  assert.doesNotMatch(v.stderr, /cannot run it yet/, 'every service of the seed recipe has a backend');
  const s = await runCli(['schema']);
  assert.equal(s.code, 0, s.stderr);
  const schema = JSON.parse(s.stdout) as { properties: Record<string, unknown> };
  assert.ok(schema.properties.services);
});

test('exit codes: 130 after SIGINT (report still written), 1 when a service fails at run time', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'long.yaml'), `services:\n  - service_name: long\n    service_type: http\n    url: ${server.url}/\n    duration: 60s\n    load: {rate: 50}\n`);
  const { child, done } = startCli(['run', 'long.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  const t0 = Date.now();
  while (server.state.answered < 20 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const res = await done;
  assert.equal(res.code, 130, res.stderr);
  assert.equal(readReport(join(dir, 'out')).partial, true);

  // A service whose server dies on start is a runtime failure, not bad input: exit 1, and the
  // report records it.
  writeFileSync(join(dir, 'dies.yaml'), `services:\n  - service_name: dies\n    service_type: http\n    url: http://127.0.0.1/\n    port: 1\n    duration: 1s\n    launcher: {type: local, command: ["false"], ready: {tcp: true}, ready_timeout: 5s}\n`);
  const failed = await runCli(['run', 'dies.yaml', '--out', 'out2', '--quiet'], { cwd: dir });
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /exited with code 1 before it was ready/);
  assert.equal(readReport(join(dir, 'out2')).services.dies!.status, 'failed');
});
