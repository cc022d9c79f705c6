import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsStore, ROW_COLUMNS } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import type { Sample } from '../../src/metrics/sample.js';
import { buildReport } from '../../src/report/build.js';
import { loadRunState } from '../../src/metrics/aggregates/saved-state.js';

const CLIENT = ROW_COLUMNS.indexOf('client_id');

function open(t: { after: (fn: () => void) => void }, options: ConstructorParameters<typeof MetricsStore>[1]) {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-writer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'metrics.db');
  const store = new MetricsStore(path, options);
  store.beginRun({ benchmarkId: 'w', name: 'w', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: '', provenance: collectProvenance({}) }, 0, (m) => m);
  return { store, path };
}

const sample = (i: number): Sample => ({
  service: 's', clientId: i, operation: 'op', intendedStart: i, actualStart: i, end: i + 1, ok: true, status: 200,
  errorClass: null, message: null, bytesIn: 1, bytesOut: 0,
});

for (const background of [false, true]) {
  const mode = background ? 'on a writer thread' : 'on the event loop';
  test(`rows committed ${mode}: every row once, in order, told to onCommitted only once stored; flush() waits for them`, async (t) => {
    const { store, path } = open(t, { background });
    const told: number[] = [];
    store.onCommitted = (values) => {
      for (let i = 0; i < values.length; i += ROW_COLUMNS.length) told.push(values[i + CLIENT] as number);
    };
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      store.append(sample(i));
      // Let the steps run between appends, as during a run.
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    // Whatever onCommitted was told of is in the database already (a second connection sees it).
    const reader = new Database(path, { readonly: true });
    const seen = (reader.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
    assert.ok(told.length <= seen, `${told.length} told, ${seen} stored`);
    store.flush();
    assert.equal(store.written, N);
    assert.equal((reader.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n, N);
    assert.deepEqual(told, Array.from({ length: N }, (_, i) => i));
    const ids = reader.prepare('SELECT client_id FROM metrics ORDER BY id').pluck().all() as number[];
    assert.deepEqual(ids, told);
    reader.close();
    store.finishRun('complete', 10);
    store.close();
    // close() folded the write-ahead log in: the file alone holds every row.
    assert.ok(!existsSync(`${path}-wal`) || statSync(`${path}-wal`).size === 0);
    const again = new Database(path, { readonly: true });
    assert.equal((again.prepare("SELECT status FROM runs WHERE benchmark_id = 'w'").get() as { status: string }).status, 'complete');
    assert.equal((again.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n, N);
    again.close();
  });
}

test('with a writer thread, rows are committed during the run without flush(), within the flush interval', async (t) => {
  const { store, path } = open(t, { background: true, flushIntervalMs: 50 });
  for (let i = 0; i < 100; i++) store.append(sample(i));
  const reader = new Database(path, { readonly: true });
  const count = () => (reader.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
  const deadline = Date.now() + 5000;
  while (count() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(count(), 100, 'a partial block reached the database through the timer');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(store.written, 100);
  reader.close();
  store.close();
});

test('the writer thread keeps the report’s aggregates of what it committed and saves them when told', async (t) => {
  const { store } = open(t, { background: true, aggregates: true });
  store.saveService({ serviceName: 's', serviceType: 'http', backend: undefined, status: 'running', load: { mode: 'closed', clients: 1 }, windowStart: 0 });
  for (let i = 0; i < 5000; i++) {
    store.append({ ...sample(i), ok: i % 10 !== 0, end: i + 1 + (i % 7) });
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  store.saveService({ serviceName: 's', serviceType: 'http', backend: undefined, status: 'complete', load: { mode: 'closed', clients: 1 }, windowStart: 0, windowEnd: 5010 });
  assert.ok(store.saveAggregates());
  const saved = loadRunState(store.db, 'w', 5000, () => undefined);
  assert.equal(saved?.acc.rows, 5000);
  const now = new Date(0);
  const fromThread = buildReport(store.db, 'w', now);
  store.db.prepare('DELETE FROM report_states').run();
  assert.deepEqual(fromThread, buildReport(store.db, 'w', now));
  assert.equal(fromThread.services.s!.requests.failed, 500);
  store.close();
});

test('without aggregates (a generator’s shard) the writer thread saves none', (t) => {
  const { store } = open(t, { background: true });
  for (let i = 0; i < 100; i++) store.append(sample(i));
  assert.equal(store.saveAggregates(), false);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM report_states').get() as { n: number }).n, 0);
  store.close();
});
