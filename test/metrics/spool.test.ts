import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MetricsStore, openMetricsDb, ROW_COLUMNS } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import type { Sample } from '../../src/metrics/sample.js';
import { buildReport } from '../../src/report/build.js';
import { BlockPacker, newPackedBlock, unpackBlock } from '../../src/metrics/packed-block.js';
import { decodeBlock, encodeBlock, expandSpool, prepareSpoolInsert, spooledRows } from '../../src/metrics/spool.js';
import { prepareRowInsert } from '../../src/metrics/rows.js';
import { SCHEMA_SQL } from '../../src/metrics/schema-sql.js';

const CLIENT = ROW_COLUMNS.indexOf('client_id');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sample = (i: number): Sample => ({
  service: 's', clientId: i, operation: i % 3 === 0 ? 'get' : 'put', intendedStart: i, actualStart: i, end: i + 1 + (i % 5),
  ok: i % 10 !== 0, status: i % 10 === 0 ? 'ECONNRESET' : 200, errorClass: i % 10 === 0 ? 'connection' : null,
  message: i % 10 === 0 ? 'reset' : null, bytesIn: i, bytesOut: 0,
});

const count = (db: Database.Database) => (db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;

/** A store as `aifb run` opens it, with run `id` begun and its service `s` running. */
function spoolingStore(path: string, id: string): MetricsStore {
  const store = new MetricsStore(path, { background: true, aggregates: true, spool: 2_000_000 });
  store.beginRun({ benchmarkId: id, name: id, description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, 0, (m) => m);
  store.saveService({ serviceName: 's', serviceType: 'http', backend: undefined, status: 'running', load: { mode: 'closed', clients: 1 }, windowStart: 0 });
  return store;
}

test('a block decodes from the spool to exactly the values unpackBlock gives: numbers, texts, NULLs, a text status', () => {
  const b = newPackedBlock();
  const p = new BlockPacker();
  for (let i = 0; i < 3; i++) {
    p.begin(b);
    for (let c = 0; c < ROW_COLUMNS.length; c++) {
      if (c === 0) p.text('run');
      else if (c === 6) p.any(i === 1 ? 'ECONNRESET' : 200);
      else if (c === 9) p.text(i === 2 ? null : `op${i % 2}`);
      else p.num(c === 7 ? null : i * 100 + c + 0.25);
    }
  }
  assert.deepEqual(decodeBlock(encodeBlock(b)), unpackBlock(b));
  // A column all NULL takes no room (two columns of 22 hold values here), one of text statuses only still comes back.
  const odd = newPackedBlock();
  p.begin(odd);
  for (let c = 0; c < ROW_COLUMNS.length; c++) if (c === 6) p.any('EPIPE');
  else if (c === 0) p.text('run');
  else p.num(c === 1 ? 7 : null);
  assert.deepEqual(decodeBlock(encodeBlock(odd)), unpackBlock(odd));
  assert.equal(encodeBlock(odd).length, 8 + 2 * 8 + JSON.stringify({ t: ['run'], o: [[6, 'EPIPE']] }).length);
});

test('expandSpool moves the oldest blocks first, at most about maxRows, and never the same block twice', (t) => {
  const db = new Database(join(tempDir(t), 'm.db'));
  db.exec(SCHEMA_SQL);
  const spool = prepareSpoolInsert(db);
  const p = new BlockPacker();
  for (let k = 0; k < 4; k++) {
    const b = newPackedBlock();
    for (let r = 0; r < 32; r++) {
      p.begin(b);
      for (let c = 0; c < ROW_COLUMNS.length; c++) if (c === 0 || c === 2) p.text('x');
      else p.num(c === CLIENT ? k * 32 + r : 1);
    }
    spool([b]);
  }
  assert.equal(spooledRows(db), 128);
  const insert = prepareRowInsert(db);
  assert.equal(expandSpool(db, insert, undefined, 40), 64, 'whole blocks: 40 rows asked, two blocks moved');
  assert.equal(spooledRows(db), 64);
  assert.equal(expandSpool(db, insert), 64);
  assert.equal(expandSpool(db, insert), 0);
  assert.deepEqual(db.prepare('SELECT client_id FROM metrics ORDER BY id').pluck().all(), Array.from({ length: 128 }, (_, i) => i));
  db.close();
});

test('a spooling store keeps the load’s rows out of metrics until the run finishes, then holds them in order with the same report', async (t) => {
  const path = join(tempDir(t), 'metrics.db');
  const store = spoolingStore(path, 'sp');
  const N = 5000;
  for (let i = 0; i < N; i++) {
    store.append(sample(i));
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  store.flush();
  assert.equal(store.written, N);
  const reader = new Database(path, { readonly: true });
  assert.equal(count(reader), 0, 'during the load nothing is inserted into metrics');
  assert.equal(spooledRows(reader), N);
  store.saveService({ serviceName: 's', serviceType: 'http', backend: undefined, status: 'complete', load: { mode: 'closed', clients: 1 }, windowStart: 0, windowEnd: N + 10 });
  store.finishRun('complete', N + 10);
  assert.equal(count(reader), N);
  assert.equal(spooledRows(reader), 0);
  assert.deepEqual(reader.prepare('SELECT client_id FROM metrics ORDER BY id').pluck().all(), Array.from({ length: N }, (_, i) => i));
  reader.close();
  const now = new Date(0);
  const fromThread = buildReport(store.db, 'sp', now);
  store.db.prepare('DELETE FROM report_states').run();
  assert.deepEqual(fromThread, buildReport(store.db, 'sp', now), 'the aggregates of the expanded rows are the report of the rows');
  assert.equal(fromThread.services.s!.requests.total, N);
  assert.equal(fromThread.services.s!.requests.failed, N / 10);
  store.close();
});

test('a run killed while its rows were spooled: the next reader of the database finds every row', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'metrics.db');
  const script = join(dir, 'killed.mts');
  const storeUrl = pathToFileURL(join(process.cwd(), 'src/metrics/store.ts')).href;
  const provUrl = pathToFileURL(join(process.cwd(), 'src/metrics/provenance.ts')).href;
  writeFileSync(
    script,
    `import { MetricsStore } from ${JSON.stringify(storeUrl)};
import { collectProvenance } from ${JSON.stringify(provUrl)};
const store = new MetricsStore(${JSON.stringify(path)}, { background: true, aggregates: true, spool: 2_000_000 });
store.beginRun({ benchmarkId: 'k', name: 'k', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, 0, (m) => m);
store.saveService({ serviceName: 's', serviceType: 'http', backend: undefined, status: 'running', load: { mode: 'closed', clients: 1 }, windowStart: 0 });
for (let i = 0; i < 3000; i++) store.append({ service: 's', clientId: i, operation: 'op', intendedStart: i, actualStart: i, end: i + 1, ok: true, status: 200, errorClass: null, message: null, bytesIn: 1, bytesOut: 0 });
store.flush();
process.kill(process.pid, 'SIGKILL');
`,
  );
  assert.throws(() => execFileSync(process.execPath, ['--import', 'tsx', script], { stdio: 'pipe' }));
  const probe = new Database(path, { readonly: true });
  assert.equal(count(probe), 0);
  assert.equal(spooledRows(probe), 3000);
  probe.close();
  const db = openMetricsDb(path);
  assert.equal(count(db), 3000);
  const report = buildReport(db, 'k');
  assert.equal(report.services.s!.requests.total, 3000);
  db.close();
});

test('rows that cannot be moved out of the spool at the end mark the run partial and stay for the next reader', async (t) => {
  const path = join(tempDir(t), 'metrics.db');
  const store = spoolingStore(path, 'f');
  for (let i = 0; i < 2000; i++) store.append(sample(i));
  store.flush();
  // Stands in for a full disk: every insert into metrics fails.
  store.db.exec("CREATE TRIGGER full_disk BEFORE INSERT ON metrics BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  let told: Error | undefined;
  store.onWriteError = (e) => (told = e);
  store.finishRun('complete', 2010);
  assert.match(String(store.failure?.message), /2000 rows could not be moved from metrics_spool/);
  assert.equal(told, store.failure);
  assert.equal((store.db.prepare("SELECT status FROM runs WHERE benchmark_id = 'f'").get() as { status: string }).status, 'partial');
  assert.equal(buildReport(store.db, 'f').services.s!.requests.total, 2000, 'the run’s own report counts the rows left in the spool');
  assert.equal(spooledRows(store.db), 2000, 'and saves no state that would claim them');
  store.close();
  const fix = new Database(path);
  fix.exec('DROP TRIGGER full_disk');
  fix.close();
  const db = openMetricsDb(path);
  assert.equal(count(db), 2000);
  db.close();
});
