import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeShardFiles, writeShardMeta } from '../../src/launch/merge.js';
import { shardService, shareOf } from '../../src/launch/shard.js';
import { MetricsStore } from '../../src/metrics/store.js';
import type { Sample } from '../../src/metrics/sample.js';
import { buildReport } from '../../src/report/build.js';
import type { Report } from '../../src/report/types.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { countingServer } from '../helpers/http-server.js';
import { startCli, tempDir } from '../helpers/cli.js';
import { aifb } from './helpers.js';

const provenance = { aifbVersion: 't', gitCommit: null, host: 'h', cpuModel: 'c', cpuCount: 1, memoryBytes: 1, os: 'o', nodeVersion: 'v', slurm: {}, commandLine: '' };

/** A shard database holding the given latencies (ms) for service "svc", started at `startEpochMs`. */
function shard(path: string, index: number, startEpochMs: number, latencies: number[], clients: number): void {
  const store = new MetricsStore(path);
  store.beginRun({ benchmarkId: 'b1', name: 'n', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: 'h', provenance }, 0, (m) => startEpochMs + m);
  writeShardMeta(store.db, 'b1', { index, host: `node${index}`, slurmJobId: '7', slurmProcid: String(index) });
  latencies.forEach((ms, i) => {
    const s: Sample = { service: 'svc', clientId: i % clients, operation: 'request', intendedStart: i * 10, actualStart: i * 10, end: i * 10 + ms, ok: ms < 900, status: 200, errorClass: ms < 900 ? null : 'timeout', message: null, bytesIn: 1, bytesOut: 0 };
    store.append(s);
  });
  store.saveService({ serviceName: 'svc', serviceType: 'http', backend: undefined, status: 'complete', load: { mode: 'open', rate: 50, maxInFlight: 10 }, windowStart: 0, windowEnd: 10_000, issueEnd: 10_000, scheduled: latencies.length, dropped: 1 });
  store.finishRun('complete', 10_000);
  store.close();
}

test('merge: rows add up, percentiles equal those over all requests, clients stay distinct, times are rebased', (t) => {
  const dir = tempDir(t);
  const a = Array.from({ length: 1000 }, (_, i) => 1 + (i % 97));
  const b = Array.from({ length: 700 }, (_, i) => 50 + ((i * 7) % 900) + (i % 3 === 0 ? 1000 : 0));
  shard(join(dir, 's0.db'), 0, 1_700_000_000_000, a, 3);
  shard(join(dir, 's1.db'), 1, 1_700_000_002_000, b, 4);
  const r = mergeShardFiles(join(dir, 'merged.db'), [join(dir, 's1.db'), join(dir, 's0.db')]);
  assert.deepEqual(r, { benchmarkId: 'b1', shards: 2, rows: 1700, missing: [] });

  // The same samples in one database, as one generator would have written them.
  shard(join(dir, 'one.db'), 0, 1_700_000_000_000, [...a, ...b], 7);
  const db = new Database(join(dir, 'merged.db'), { readonly: true });
  t.after(() => db.close());
  const one = new Database(join(dir, 'one.db'), { readonly: true });
  t.after(() => one.close());
  const merged = buildReport(db, 'b1').services.svc!;
  const single = buildReport(one, 'b1').services.svc!;
  assert.equal(merged.requests.total, 1700);
  assert.equal(merged.requests.failed, single.requests.failed);
  assert.deepEqual(merged.percentiles, single.percentiles, 'histograms merge without loss');
  assert.equal(merged.latency.all.mean, single.latency.all.mean);
  assert.equal(merged.clients.count, 7, '3 + 4 distinct clients');
  assert.equal(merged.load.scheduled_starts, 1700);
  assert.equal(merged.load.dropped_starts, 2);
  assert.equal(merged.load.requested_rate, 100, 'rates add');
  // Shard 1 started 2 s later: its window is shifted, so the run spans 12 s.
  assert.equal(merged.load.window_seconds, 12);
  const late = db.prepare("SELECT MIN(intended_start) AS s FROM metrics WHERE client_id >= 3").get() as { s: number };
  assert.equal(late.s, 2);
  const shards = db.prepare('SELECT shard_index, host, slurm_procid, client_offset, rows FROM shards ORDER BY shard_index').all();
  assert.deepEqual(shards, [
    { shard_index: 0, host: 'node0', slurm_procid: '0', client_offset: 0, rows: 1000 },
    { shard_index: 1, host: 'node1', slurm_procid: '1', client_offset: 3, rows: 700 },
  ]);
  assert.throws(() => mergeShardFiles(join(dir, 'merged.db'), [join(dir, 's0.db')]), /already holds run b1/);
});

test('merge --expect: an absent shard and one whose generator never finished are named missing; the run and its service are partial', (t) => {
  const dir = tempDir(t);
  shard(join(dir, 'shard-0.db'), 0, 1_700_000_000_000, [5, 6, 7], 2);
  // Generator 1 was killed with its node: its run never finished, its counters were never saved.
  const killed = new MetricsStore(join(dir, 'shard-1.db'));
  killed.beginRun({ benchmarkId: 'b1', name: 'n', description: undefined, recipeFile: 'r', recipeText: '', recipeHash: 'h', provenance }, 0, (m) => 1_700_000_000_000 + m);
  writeShardMeta(killed.db, 'b1', { index: 1, host: 'h', slurmJobId: '7', slurmProcid: '0', node: 'n3' });
  killed.close();
  const files = [0, 1, 2].map((k) => join(dir, `shard-${k}.db`));
  const r = mergeShardFiles(join(dir, 'merged.db'), files, 'b1', { expect: 3, notes: { 2: 'node n4 failed' } });
  assert.equal(r.rows, 3);
  assert.deepEqual(r.missing.map((m) => [m.index, m.node]), [[1, 'n3'], [2, null]]);
  assert.match(r.missing[0]!.reason, /never finished/);
  assert.match(r.missing[1]!.reason, /^node n4 failed; no shard file$/);
  const db = new Database(join(dir, 'merged.db'), { readonly: true });
  t.after(() => db.close());
  const report = buildReport(db, 'b1');
  assert.equal(report.status, 'partial');
  assert.equal(report.services.svc!.status, 'partial');
  assert.match(report.services.svc!.error ?? '', /generator shard\(s\) missing: 1 \(node n3\)/);
  assert.deepEqual(report.generators!.map((g) => [g.index, g.status, g.requests]), [[0, 'merged', 3], [1, 'missing', null], [2, 'missing', null]]);
  // Without --expect a missing file is still an error, as before.
  assert.throws(() => mergeShardFiles(join(dir, 'm2.db'), files), /does not exist/);
});

test('sharding a service: shares add up to the whole, each generator has its own random stream', () => {
  assert.deepEqual([0, 1, 2].map((k) => shareOf(10, k, 3)), [4, 3, 3]);
  const base = { name: 's', type: 'http', backend: undefined, mix: [], timeoutMs: 1000, seed: 42 } as unknown as ServiceSpec;
  const closed = { ...base, fields: { generators: 3 }, load: { mode: 'closed', clients: 5, thinkTimeMs: 0, stages: [], warmup: { kind: 'requests', count: 10 }, durationMs: 1000, requests: 100 } } as ServiceSpec;
  const parts = [0, 1, 2].map((k) => shardService(closed, k)!);
  assert.deepEqual(parts.map((p) => (p.load.mode === 'closed' ? p.load.clients : -1)), [2, 2, 1]);
  assert.equal(parts.reduce((a, p) => a + p.load.requests!, 0), 100);
  assert.deepEqual(parts.map((p) => p.seed), [42, 43, 44]);
  assert.equal(shardService(closed, 3), undefined);
  const open = { ...base, fields: { generators: 4 }, load: { mode: 'open', rate: 100, arrival: 'poisson', burstiness: 1, maxInFlight: 10, exactCount: true, stages: [{ durationMs: 1, target: 200 }], warmup: { kind: 'none' }, durationMs: 1000, requests: undefined } } as ServiceSpec;
  const o = shardService(open, 1)!;
  assert.ok(o.load.mode === 'open' && o.load.rate === 25 && o.load.maxInFlight === 3 && o.load.stages[0]!.target === 50);
});

for (const kind of ['thread', 'process'] as const) {
test(`generators: 2 on one machine as ${kind === "thread" ? "worker threads" : "child processes"}: one service in one report, request count is the sum`, async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `benchmark: {name: gen}
global: {logs_dir: logs}
services:
  - service_name: web
    service_type: http
    url: ${server.url}/hello
    generators: 2
    generator_kind: ${kind}
    load: {clients: 4, requests: 300}
`,
  );
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, kind === 'thread' ? /worker threads/ : /child processes/);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  const web = report.services.web!;
  assert.equal(web.status, 'complete');
  assert.equal(web.requests.total, 300);
  assert.equal(server.state.answered, 300);
  assert.equal(web.clients.count, 4, 'two clients per generator, all distinct');
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  if (kind === 'process') {
    const perShard = db.prepare('SELECT shard_index, rows FROM shards ORDER BY shard_index').all();
    assert.deepEqual(perShard, [{ shard_index: 0, rows: 150 }, { shard_index: 1, rows: 150 }]);
    const perProcess = db.prepare('SELECT generator, thread, requests FROM client_load ORDER BY generator').all();
    assert.deepEqual(perProcess, [{ generator: 0, thread: 'process', requests: 150 }, { generator: 1, thread: 'process', requests: 150 }]);
  } else {
    // Threads hand their rows to the run's store as they go: no shard, nothing merged afterwards.
    const perThread = db.prepare('SELECT generator, thread, requests FROM client_load ORDER BY generator').all();
    assert.deepEqual(perThread, [{ generator: 0, thread: 'service', requests: 150 }, { generator: 1, thread: 'service', requests: 150 }]);
  }
  assert.deepEqual(existsSync(join(dir, 'logs')) && readdirSync(join(dir, 'logs')).includes('shards') ? readdirSync(join(dir, 'logs', 'shards')) : [], [], 'shard files are removed after merging');
});
}

test('SIGTERM during a run with worker-thread generators: exit 143, a partial report with what both threads measured', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `benchmark: {name: gen-stop}
global: {logs_dir: logs}
services:
  - service_name: web
    service_type: http
    url: ${server.url}/hello
    generators: 2
    duration: 60s
    load: {rate: 200}
`,
  );
  const { child, done } = startCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--grace', '2'], { cwd: dir });
  // Stop once both threads have been answering for a while.
  const deadline = Date.now() + 20_000;
  while (server.state.answered < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const res = await done;
  assert.equal(res.code, 143, res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  const web = report.services.web!;
  assert.equal(report.partial, true);
  assert.equal(web.requests.total, server.state.answered, 'every answered request is a row');
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  const perThread = db.prepare('SELECT generator, requests FROM client_load ORDER BY generator').all() as { requests: number }[];
  assert.equal(perThread.length, 2);
  for (const s of perThread) assert.ok(s.requests > 50, `each thread measured its share (${s.requests} rows)`);
});
