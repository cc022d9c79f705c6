import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import type { Report } from '../../src/report/types.js';

const RATE = 200;
const FLUSH_MS = 200;

/** `aifb run` of a 60 s constant-rate load on a counting server, id `killed`, left running; `env`: e.g. its spool's bound. */
async function startRun(t: Parameters<typeof tempDir>[0], env: NodeJS.ProcessEnv = {}) {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: web
    service_type: http
    url: ${server.url}/
    duration: 60s
    load: {rate: ${RATE}, arrival: constant}
`);
  return { server, dir, ...startCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--id', 'killed'], { cwd: dir, env }) };
}

test('after SIGKILL the database is consistent, aifb report rebuilds a partial report, and at most one flush interval is lost', async (t) => {
  const { server, dir, child, done } = await startRun(t);
  const t0 = Date.now();
  while (server.state.answered < 400 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  const res = await done;
  assert.equal(res.signal, 'SIGKILL');
  const answered = server.state.answered;

  const db = new Database(join(dir, 'out', 'metrics.db'));
  assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
  // The run's rows are in its spool (metrics/spool.ts) until the load ends: stored either way.
  const inMetrics = (db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
  const rows = inMetrics + (db.prepare('SELECT COALESCE(SUM(rows), 0) AS n FROM metrics_spool').get() as { n: number }).n;
  db.close();
  // What can be lost: rows queued since the last commit (one flush interval at the rate), plus
  // requests the server answered whose response had not reached aifb yet.
  const bound = Math.ceil((RATE * FLUSH_MS) / 1000) + 10;
  assert.ok(rows > 0 && rows <= answered, `rows ${rows}, answered ${answered}`);
  assert.ok(answered - rows <= bound, `lost ${answered - rows} > ${bound}`);

  const rebuilt = await runCli(['report', join(dir, 'out', 'metrics.db'), '--id', 'killed', '--json']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  const report = JSON.parse(rebuilt.stdout) as Report;
  assert.equal(report.partial, true);
  assert.equal(report.services.web!.requests.total, rows);
  assert.ok(report.services.web!.load.window_seconds! > 1);
  const after = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  assert.equal((after.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n, rows, 'aifb report moved the spool into metrics');
  after.close();
});

test('after SIGKILL past the writer thread’s first save, aifb report starts from the saved aggregates and gives the report every row gives', async (t) => {
  // A spool of 200 rows: past it the thread inserts and aggregates as rows come, and saves every 5 s
  // (with the default bound a run this short saves nothing before its end).
  const { server, dir, child, done } = await startRun(t, { AIFB_SPOOL_ROWS: '200' });
  const file = join(dir, 'out', 'metrics.db');
  const saved = () => {
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare("SELECT row_count FROM report_states WHERE benchmark_id = 'killed'").get() as { row_count: number } | undefined)?.row_count ?? 0;
      } finally {
        db.close();
      }
    } catch {
      return 0;
    }
  };
  const t0 = Date.now();
  while (saved() === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 200));
  // Some more rows after the save: the report adds them to it.
  await new Promise((r) => setTimeout(r, 700));
  child.kill('SIGKILL');
  await done;
  const covered = saved();
  const db = new Database(file);
  const rows =
    (db.prepare("SELECT COUNT(*) AS n FROM metrics WHERE benchmark_id = 'killed'").get() as { n: number }).n +
    (db.prepare('SELECT COALESCE(SUM(rows), 0) AS n FROM metrics_spool').get() as { n: number }).n;
  assert.ok(covered > 0 && covered < rows, `state covers ${covered} of ${rows} rows`);
  db.close();

  const fromState = await runCli(['report', file, '--id', 'killed', '--json']);
  assert.equal(fromState.code, 0, fromState.stderr);
  const a = JSON.parse(fromState.stdout) as Report;
  assert.equal(a.services.web!.requests.total, rows);
  // The same database without the saved state: every row is read.
  const rw = new Database(file);
  rw.prepare('DELETE FROM report_states').run();
  rw.close();
  const fromRows = await runCli(['report', file, '--id', 'killed', '--json']);
  const b = JSON.parse(fromRows.stdout) as Report;
  const strip = (r: Report) => ({ ...r, generated_at: undefined });
  assert.deepEqual(strip(a), strip(b));
});
