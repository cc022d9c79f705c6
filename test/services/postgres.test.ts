import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { postgresDefinition } from '../../src/services/database/postgres/definition.js';
import { pgliteDefinition } from '../../src/services/database/pglite/definition.js';
import type { Adapter, BackendDefinition, OperationResult } from '../../src/services/contract.js';
import type { LoadPhase } from '../../src/services/database/sql/load.js';
import type { SqlOp } from '../../src/services/database/sql/execute.js';
import type { LoadProfile, ServiceSpec } from '../../src/recipe/types.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { ServiceRunner } from '../../src/engine/runner.js';
import type { Sample } from '../../src/metrics/sample.js';
import { systemClock } from '../../src/util/clock.js';
import { createRng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { startPostgres, type PgServer } from '../helpers/postgres-server.js';
import { repoRoot } from '../helpers/cli.js';
import { BackendRegistry } from '../../src/services/registry.js';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { buildReport } from '../../src/report/build.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { serviceOf } from '../../src/services/fields.js';
import { runNamed } from '../../src/services/database/postgres/query.js';

type SqlTestAdapter = Adapter<SqlOp> & { loadPhase: LoadPhase | undefined; table: string | undefined };

function closed(clients: number, durationMs = 1000): LoadProfile {
  return { mode: 'closed', clients, thinkTimeMs: 0, stages: [], warmup: { kind: 'none' }, durationMs, requests: undefined };
}

function specOf(def: BackendDefinition, fields: Record<string, unknown>, load = closed(2), mix: Record<string, number> = { select: 1 }): ServiceSpec {
  return {
    name: 'orders db',
    type: 'postgresql',
    backend: def.backend,
    fields: { service_name: 'orders db', service_type: 'postgresql', ...fields },
    load,
    mix: Object.entries(mix).map(([operation, weight]) => ({ operation, weight })),
    timeoutMs: 5000,
    seed: 1,
    slo: undefined,
    steps: undefined,
  };
}

const quiet = createLogger('error', () => {});
const signal = () => new AbortController().signal;

/** What the conformance suite needs from each backend. */
interface Target {
  def: BackendDefinition;
  /** Connection fields for the recipe. */
  fields(): Record<string, unknown>;
  /** SQL from outside aifb (only while no adapter of this target is open). */
  outside(sql: string): Promise<unknown[][]>;
}

async function open(target: Target, fields: Record<string, unknown> = {}, id = 'bench_1', load?: LoadProfile): Promise<SqlTestAdapter> {
  const mod = await target.def.load();
  const adapter = mod.createAdapter(serviceOf(target.def.fields, specOf(target.def, { ...target.fields(), ...fields }, load))) as SqlTestAdapter;
  await adapter.setup({ benchmarkId: id, rng: createRng(3), log: quiet, signal: signal() });
  return adapter;
}

async function run(adapter: SqlTestAdapter, operation: string, seed = 9): Promise<OperationResult> {
  const op = adapter.prepare(operation, createRng(seed));
  let result: OperationResult;
  try {
    result = await adapter.execute(op, signal());
  } catch (err) {
    result = classifyThrown(err, false, false);
  }
  adapter.release?.(op, result);
  return result;
}

const close = (adapter: Adapter) => adapter.teardown({ benchmarkId: 'bench_1', log: quiet, failed: false });

const TABLES = `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`;

/** The behaviour both SQL backends share, run once against each. */
function conformance(name: string, target: () => Target): void {
  describe(`${name}: SQL conformance`, () => {
    test('every operation works and reports bytes and rows; initial_rows are loaded and measured', async () => {
      const queries = {
        ids: { sql: 'SELECT id FROM {table}' },
        by_key: { sql: 'SELECT payload FROM {table} WHERE id = $1', params: ['key'] },
        put: { sql: 'INSERT INTO {table} (id, balance, payload) VALUES ($1, $2, $3)', params: ['new_key', 'random_int:1:9', 'payload'] },
      };
      const adapter = await open(target(), { initial_rows: 500, row_size: 64, batch_size: 10, queries });
      try {
        assert.equal(adapter.loadPhase?.rows, 500);
        assert.ok(adapter.loadPhase!.rowsPerSecond > 0);
        assert.deepEqual((await run(adapter, 'ids')).extra, { rows: 500 });
        const expect: Record<string, [number, (n: number) => boolean, (n: number) => boolean]> = {
          select: [1, (b) => b >= 64, (b) => b > 0],
          insert: [1, (b) => b === 0, (b) => b >= 64],
          update: [1, (b) => b === 0, (b) => b >= 64],
          delete: [1, (b) => b === 0, (b) => b > 0],
          batch_insert: [10, (b) => b === 0, (b) => b >= 640],
          read_modify_write: [2, (b) => b >= 64, (b) => b >= 64],
          tpcb: [5, (b) => b > 0, (b) => b > 0],
          by_key: [1, (b) => b === 64, (b) => b > 0],
          put: [1, (b) => b === 0, (b) => b >= 64],
        };
        for (const [op, [rows, bytesIn, bytesOut]] of Object.entries(expect)) {
          const r = await run(adapter, op);
          assert.equal(r.ok, true, `${op}: ${r.message}`);
          assert.deepEqual(r.extra, { rows }, op);
          assert.ok(bytesIn(r.bytesIn!), `${op} bytesIn ${r.bytesIn}`);
          assert.ok(bytesOut(r.bytesOut!), `${op} bytesOut ${r.bytesOut}`);
        }
        // 500 loaded + insert + 10 batch + put + tpcb's history row - the deleted insert.
        assert.deepEqual((await run(adapter, 'ids')).extra, { rows: 512 });
      } finally {
        await close(adapter);
      }
    });

    test('with transactions: true every operation runs between BEGIN and COMMIT and still works', async () => {
      const adapter = await open(target(), { initial_rows: 100, transactions: true });
      try {
        for (const op of ['select', 'insert', 'update', 'delete', 'batch_insert', 'read_modify_write', 'tpcb']) {
          const r = await run(adapter, op);
          assert.equal(r.ok, true, `${op}: ${r.message}`);
        }
      } finally {
        await close(adapter);
      }
    });

    test('deletes take rows inserted during the run first; a row that is gone is not_found', async () => {
      const adapter = await open(target(), { initial_rows: 2, queries: { ids: { sql: 'SELECT id FROM {table}' } } });
      try {
        assert.equal((await run(adapter, 'insert')).ok, true);
        const del = adapter.prepare('delete', createRng(1));
        assert.equal(del.steps[0]!.values[0], 2, 'the inserted row (key 2) is deleted first');
        adapter.release?.(del, await adapter.execute(del, signal()));
        for (let i = 0; i < 2; i++) assert.equal((await run(adapter, 'delete', i)).ok, true);
        assert.deepEqual((await run(adapter, 'ids')).extra, { rows: 0 });
        const r = await run(adapter, 'select');
        assert.deepEqual([r.ok, r.errorClass], [false, 'not_found']);
      } finally {
        await close(adapter);
      }
    });

    test('zipfian keys drawn in prepare are skewed; uniform ones are not', async () => {
      const hottestShare = async (fields: Record<string, unknown>) => {
        const adapter = await open(target(), { initial_rows: 1000, ...fields });
        try {
          const rng = createRng(4);
          const counts = new Map<unknown, number>();
          for (let i = 0; i < 20_000; i++) {
            const key = adapter.prepare('select', rng).steps[0]!.values[0];
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          return Math.max(...counts.values()) / 20_000;
        } finally {
          await close(adapter);
        }
      };
      // 1/zeta(1000, 0.99) = 0.1337: the hottest row takes about 13% of reads.
      const zipf = await hottestShare({ key_distribution: 'zipfian' });
      assert.ok(zipf > 0.11 && zipf < 0.16, `zipfian hottest share ${zipf}`);
      assert.ok((await hottestShare({ preset: 'ycsb-b' })) > 0.11, 'YCSB presets are zipfian');
      assert.ok((await hottestShare({})) < 0.005, 'uniform by default');
    });

    test('tables beside ours survive a run untouched; teardown drops only the table it created', async () => {
      const t = target();
      const ours = 'aifb_orders_db_bench_1';
      const neighbours = ['aifb_orders_db', `${ours}_x`, 'aifb_orders_db_bench_10', 'benchmark_table'];
      for (const n of neighbours) {
        await t.outside(`CREATE TABLE "${n}" (id int PRIMARY KEY, v text)`);
        await t.outside(`INSERT INTO "${n}" SELECT g, md5(g::text) FROM generate_series(1, 50) g`);
      }
      const digest = () => t.outside(neighbours.map((n) => `SELECT '${n}', count(*), md5(string_agg(v, ',' ORDER BY id)) FROM "${n}"`).join(' UNION ALL '));
      const before = await digest();
      const tablesBefore = await t.outside(TABLES);
      const adapter = await open(t, { initial_rows: 100 });
      assert.equal(adapter.table, ours);
      for (const op of ['select', 'insert', 'update', 'delete', 'batch_insert', 'tpcb']) await run(adapter, op);
      await close(adapter);
      assert.deepEqual(await t.outside(TABLES), tablesBefore, 'only our table came and went');
      assert.deepEqual(await digest(), before, 'neighbours kept every row');
      // A table with exactly our name is not ours: setup refuses it and teardown leaves it.
      await t.outside(`CREATE TABLE "${ours}" (id int)`);
      const mod = await t.def.load();
      const clash = mod.createAdapter(serviceOf(t.def.fields, specOf(t.def, { ...t.fields(), initial_rows: 10 })));
      await assert.rejects(clash.setup({ benchmarkId: 'bench_1', rng: createRng(1), log: quiet, signal: signal() }), /already exists; aifb only works in a table it creates/);
      await close(clash);
      assert.ok((await t.outside(TABLES)).some(([n]) => n === ours), 'the clashing table is still there');
      for (const n of [...neighbours, ours]) await t.outside(`DROP TABLE "${n}"`);
    });

    test('table_name is the prefix of the owned table', async () => {
      const adapter = await open(target(), { initial_rows: 1, table_name: 'benchmark_table' }, 'benchmark_1700000000_ab12');
      assert.equal(adapter.table, 'benchmark_table_benchmark_1700000000_ab12');
      await close(adapter);
    });
  });
}

let server: PgServer;
before(async () => {
  server = await startPostgres({ settings: { fsync: 'off' } });
});
after(() => server.destroy());

const pgFields = () => ({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });

async function outsidePg(sql: string): Promise<unknown[][]> {
  const client = new pg.Client(pgFields());
  await client.connect();
  try {
    return (await client.query<unknown[]>({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

conformance('postgres', () => ({ def: postgresDefinition, fields: pgFields, outside: outsidePg }));

let pgliteDir: string;
before(async () => {
  pgliteDir = await mkdtemp(join(tmpdir(), 'aifb-pglite-'));
});
after(() => rm(pgliteDir, { recursive: true, force: true }));

async function outsidePglite(sql: string): Promise<unknown[][]> {
  const db = await PGlite.create({ dataDir: pgliteDir });
  try {
    const results = await db.exec(sql);
    return results.at(-1)!.rows.map((r) => Object.values(r));
  } finally {
    await db.close();
  }
}

conformance('pglite', () => ({ def: pgliteDefinition, fields: () => ({ data_dir: pgliteDir }), outside: outsidePglite }));

test('pglite runs in memory when no data_dir is given', async () => {
  const adapter = await open({ def: pgliteDefinition, fields: () => ({}), outside: () => Promise.reject(new Error('unused')) }, { initial_rows: 10 });
  assert.equal((await run(adapter, 'select')).ok, true);
  await close(adapter);
});

test('a named query built from its text (no copied config) answers as node-postgres does with a config object: arrays, nulls, row counts, one prepare per connection, errors', async () => {
  const client = new pg.Client(pgFields());
  await client.connect();
  try {
    const sel = { name: 'aifb_t_named', text: 'SELECT $1::int AS a, NULL::text AS b, $2::text AS c' };
    const viaConfig = await client.query<unknown[]>({ name: 'aifb_t_config', text: sel.text, values: [7, 'x'], rowMode: 'array' });
    const first = await runNamed(client, sel, [7, 'x']);
    assert.deepEqual(first.rows, viaConfig.rows);
    assert.deepEqual(first.rows, [[7, null, 'x']]);
    assert.equal(first.rowCount, 1);
    // The second run binds the statement prepared by the first (a second Parse would fail: it already exists).
    assert.deepEqual((await runNamed(client, sel, [8, 'y'])).rows, [[8, null, 'y']]);
    const prepared = await client.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = 'aifb_t_named'");
    assert.equal(prepared.rows[0].n, 1);
    await client.query('CREATE TEMP TABLE aifb_t_rows (k int)');
    await client.query('INSERT INTO aifb_t_rows SELECT generate_series(1, 3)');
    const update = await runNamed(client, { name: 'aifb_t_update', text: 'UPDATE aifb_t_rows SET k = k + $1' }, [1]);
    assert.deepEqual(update.rows, []);
    assert.equal(update.rowCount, 3);
    const failed = await runNamed(client, { name: 'aifb_t_div', text: 'SELECT 1 / $1::int' }, [0]).then(
      () => assert.fail('division by zero should fail'),
      (e: { code?: string }) => e,
    );
    assert.equal(failed.code, '22012');
    assert.deepEqual((await runNamed(client, sel, [9, 'z'])).rows, [[9, null, 'z']], 'the connection goes on after an error');
  } finally {
    await client.end();
  }
});

describe('postgres: connections and failures', () => {
  const setupError = async (fields: Record<string, unknown>): Promise<Error> => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    const adapter = (await postgresDefinition.load()).createAdapter(serviceOf(postgresDefinition.fields, specOf(postgresDefinition, { ...pgFields(), ...fields })));
    const err = await adapter.setup({ benchmarkId: 'bench_1', rng: createRng(1), log, signal: signal() }).then(
      () => assert.fail('setup should fail'),
      (e: Error) => e,
    );
    await adapter.teardown({ benchmarkId: 'bench_1', log, failed: true });
    const everything = [err.message, String((err.cause as Error | undefined)?.message), ...lines].join('\n');
    assert.ok(!everything.includes(server.password), 'the real password never appears');
    if (typeof fields.password === 'string') assert.ok(!everything.includes(fields.password), 'nor the wrong one');
    return err;
  };

  test('a wrong password, an unknown database or a closed port fail setup with one clear message and no password', async () => {
    const tablesBefore = await outsidePg(TABLES);
    const auth = await setupError({ password: 'wrong-Secret-123' });
    assert.equal(auth.message, `PostgreSQL at 127.0.0.1:${server.port} refused user "aifb": authentication failed (check user and password)`);
    const db = await setupError({ database: 'no_such_db' });
    assert.equal(db.message, `database "no_such_db" does not exist on PostgreSQL at 127.0.0.1:${server.port}`);
    const closedPort = await setupError({ port: 1 });
    assert.match(closedPort.message, /^cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
    assert.deepEqual(await outsidePg(TABLES), tablesBefore, 'nothing was created');
  });

  test('the pool opens one warm connection per client (or pool_size), and statements are prepared on them', async () => {
    const count = `SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'aifb'`;
    const three = await open({ def: postgresDefinition, fields: pgFields, outside: outsidePg }, { initial_rows: 10 }, 'bench_1', closed(3));
    assert.deepEqual(await outsidePg(count), [[3]]);
    await close(three);
    const prepared = { prepared: { sql: "SELECT name FROM pg_prepared_statements WHERE name = 'aifb_select'" } };
    const one = await open({ def: postgresDefinition, fields: pgFields, outside: outsidePg }, { initial_rows: 10, pool_size: 1, queries: prepared }, 'bench_1', closed(8));
    assert.deepEqual(await outsidePg(count), [[1]]);
    assert.deepEqual((await run(one, 'prepared')).extra, { rows: 0 });
    assert.equal((await run(one, 'select')).ok, true);
    assert.deepEqual((await run(one, 'prepared')).extra, { rows: 1 }, 'select is a named prepared statement');
    await close(one);
  });

  test('a held connection the server ends between queries is replaced: at most one query fails (connection_reset), the next ones run', async () => {
    const count = `SELECT count(*)::int FROM pg_stat_activity WHERE application_name = 'aifb'`;
    const adapter = await open({ def: postgresDefinition, fields: pgFields, outside: outsidePg }, { initial_rows: 10 }, 'bench_1', closed(2));
    try {
      assert.deepEqual(await outsidePg(count), [[2]]);
      await outsidePg(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'aifb'`);
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await run(adapter, 'select', i));
      const failed = results.filter((r) => !r.ok);
      for (const r of failed) assert.equal(r.errorClass, 'connection_reset', String(r.message));
      assert.ok(failed.length <= 2, `${failed.length} of 6 failed: only the ones on a terminated connection may`);
      assert.ok(results.slice(-2).every((r) => r.ok), 'queries after the terminated ones run on new connections');
      assert.ok(Number((await outsidePg(count))[0]![0]) <= 2, 'no more connections than the pool size');
    } finally {
      await close(adapter);
    }
  });

  test('generators opening at the same moment share the server\'s free connections instead of each taking all of them', async (t) => {
    const own = await startPostgres({ settings: { fsync: 'off', max_connections: '12', superuser_reserved_connections: '2' } });
    t.after(() => own.destroy());
    const fields = { host: own.host, port: own.port, user: own.user, password: own.password, database: own.database, initial_rows: 10, pool_size: 20 };
    const mod = await postgresDefinition.load();
    const adapters = [0, 1].map((k) => mod.createAdapter(serviceOf(postgresDefinition.fields, specOf(postgresDefinition, { ...fields, generator_index: k, generator_count: 2 }, closed(20)))));
    // Both set up at once, as generator threads do; together they must stay within max_connections less the reserve.
    await Promise.all(adapters.map((a, k) => a.setup({ benchmarkId: `bench_g${k}`, rng: createRng(k), log: quiet, signal: signal() })));
    const c = new pg.Client({ host: own.host, port: own.port, user: own.user, password: own.password, database: own.database });
    await c.connect();
    try {
      const n = Number((await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'aifb'`)).rows[0].n);
      assert.ok(n >= 2 && n <= 10, `${n} connections for two generators, room for 10`);
      for (const a of adapters) assert.equal((await run(a as SqlTestAdapter, 'select')).ok, true);
    } finally {
      await c.end();
      for (const a of adapters) await close(a);
    }
  });

  test('a server stopped mid-run gives classified errors, the run goes on, and it recovers when the server is back', async (t) => {
    const own = await startPostgres({ settings: { fsync: 'off' } });
    t.after(() => own.destroy());
    const fields = { host: own.host, port: own.port, user: own.user, password: own.password, database: own.database, initial_rows: 1000 };
    const spec = specOf(postgresDefinition, fields, closed(4, 8000), { select: 0.7, update: 0.2, tpcb: 0.1 });
    const adapter = (await postgresDefinition.load()).createAdapter(serviceOf(postgresDefinition.fields, spec));
    await adapter.setup({ benchmarkId: 'bench_1', rng: createRng(1), log: quiet, signal: signal() });
    const samples: Sample[] = [];
    const runner = new ServiceRunner({ spec, adapter, clock: systemClock(), rng: createRng(2), onSample: (s) => samples.push(s), stop: signal() });
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      await own.stop();
      await new Promise((r) => setTimeout(r, 1000));
      await own.start();
      return { restartedAt: performance.now() };
    })();
    const outcome = await runner.run();
    const { restartedAt } = await outage;
    await adapter.teardown({ benchmarkId: 'bench_1', log: quiet, failed: false });
    assert.equal(outcome.interrupted, false);
    const failed = samples.filter((s) => !s.ok);
    const classes = new Set(failed.map((s) => s.errorClass));
    assert.ok(failed.length > 0, 'the outage shows as failures');
    for (const c of classes) assert.ok(c === 'connection_refused' || c === 'connection_reset', `unexpected class ${c}: ${failed.find((s) => s.errorClass === c)?.message}`);
    assert.ok(classes.has('connection_refused'), 'new connections were refused while it was down');
    assert.ok(restartedAt < samples.reduce((m, s) => Math.max(m, s.end), 0), 'the server was back before the run ended');
    const late = samples.filter((s) => s.ok && s.actualStart > restartedAt);
    assert.ok(late.length > 10, `requests succeed again after the restart (${late.length})`);
    for (const s of failed) assert.ok(!String(s.message).includes(own.password));
    const left = await (async () => {
      const c = new pg.Client({ host: own.host, port: own.port, user: own.user, password: own.password, database: own.database });
      await c.connect();
      try {
        return (await c.query(TABLES)).rows;
      } finally {
        await c.end();
      }
    })();
    assert.deepEqual(left, [], 'teardown dropped the table once the server was back');
  });
});

describe('recipes', () => {
  const registry = new BackendRegistry([postgresDefinition, pgliteDefinition]);

  test('examples/postgres.yaml and examples/pglite.yaml validate; postgres is the default backend', () => {
    const env = { PGPASSWORD: 'from-env' };
    const pgPlan = loadRecipeFile(join(repoRoot, 'examples/postgres.yaml'), { registry, env });
    assert.deepEqual(pgPlan.services.map((s) => s.backend), ['postgres', 'postgres', 'postgres']);
    assert.deepEqual(pgPlan.services[0]!.mix, [{ operation: 'select', weight: 0.5 }, { operation: 'update', weight: 0.5 }]);
    assert.ok(!pgPlan.redactedText.includes('from-env'));
    const litePlan = loadRecipeFile(join(repoRoot, 'examples/pglite.yaml'), { registry, env: {} });
    assert.deepEqual(litePlan.services.map((s) => s.backend), ['pglite', 'pglite']);
    assert.equal(registry.resolve('database')?.backend, 'postgres');
  });

  test('a recipe runs end to end through the engine on both backends, with a report per operation', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'aifb-pg-e2e-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const text = `benchmark: {name: e2e}
services:
  - service_name: real
    service_type: database
    host: 127.0.0.1
    port: ${server.port}
    user: aifb
    database: postgres
    password: \${E2E_PGPASSWORD}
    initial_rows: 2000
    operation_mix: {select: 0.6, insert: 0.1, update: 0.1, delete: 0.05, batch_insert: 0.05, tpcb: 0.1}
    load: {clients: 4, requests: 400}
  - service_name: embedded
    service_type: postgresql
    backend: pglite
    preset: ycsb-f
    initial_rows: 2000
    load: {clients: 2, requests: 200}
`;
    const plan = loadRecipeText(text, join(dir, 'recipe.yaml'), { registry, env: { E2E_PGPASSWORD: server.password } });
    const store = new MetricsStore(join(dir, 'metrics.db'));
    const clock = systemClock();
    store.beginRun({ benchmarkId: 'e2e_1', name: plan.name, description: undefined, recipeFile: 'recipe.yaml', recipeText: plan.redactedText, recipeHash: plan.recipeHash, provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
    const result = await runBenchmark(plan, { benchmarkId: 'e2e_1', registry, store, clock, log: quiet, stop: signal(), maxWorkers: 2, sequential: false });
    store.finishRun(result.status, clock.now());
    const report = buildReport(store.db, 'e2e_1');
    store.close();
    assert.equal(result.status, 'complete', JSON.stringify(result.services));
    const real = report.services.real!;
    assert.equal(real.requests.total, 400);
    assert.equal(real.requests.failed, 0, JSON.stringify(real.errors));
    assert.deepEqual(Object.keys(real.operations).sort(), ['batch_insert', 'delete', 'insert', 'select', 'tpcb', 'update']);
    assert.ok(real.bytes.in > 0 && real.bytes.out > 0);
    // The initial load is its own phase in the report, not part of the measured window.
    assert.ok((real.load_phase?.rows as number) > 0 && (real.load_phase?.rowsPerSecond as number) > 0, JSON.stringify(real.load_phase));
    const embedded = report.services.embedded!;
    assert.equal(embedded.requests.failed, 0, JSON.stringify(embedded.errors));
    assert.deepEqual(Object.keys(embedded.operations).sort(), ['read_modify_write', 'select']);
    assert.deepEqual(await outsidePg(`SELECT tablename FROM pg_tables WHERE tablename LIKE '%e2e_1%'`), [], 'tables dropped');
  });
});
