import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresDefinition } from '../../src/services/database/postgres/definition.js';
import { pgliteDefinition } from '../../src/services/database/pglite/definition.js';
import { KeySpace, UniformKeys, ZipfianKeys } from '../../src/services/database/sql/keys.js';
import { ownedTableName, quoteIdent, statementsFor } from '../../src/services/database/sql/statements.js';
import { SqlWorkload } from '../../src/services/database/sql/workload.js';
import { parseParam } from '../../src/services/database/sql/params.js';
import { sizeOf } from '../../src/services/database/sql/execute.js';
import { createRng } from '../../src/util/rng.js';
import { fieldsOf } from '../../src/services/fields.js';

function zeta(n: number, theta: number): number {
  let s = 0;
  for (let i = 1; i <= n; i++) s += 1 / Math.pow(i, theta);
  return s;
}

test('zipfian ranks follow 1/(r+1)^theta: exact for the two hottest ranks, close on the top 1%', () => {
  const n = 10_000;
  const theta = 0.99;
  const gen = new ZipfianKeys(n, theta);
  const rng = createRng(11);
  const draws = 200_000;
  const counts = new Map<number, number>();
  for (let i = 0; i < draws; i++) {
    const r = gen.rank(rng);
    assert.ok(r >= 0 && r < n);
    counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const z = zeta(n, theta);
  for (const r of [0, 1]) {
    const expected = 1 / Math.pow(r + 1, theta) / z;
    const seen = (counts.get(r) ?? 0) / draws;
    assert.ok(Math.abs(seen - expected) < 0.005, `rank ${r}: ${seen} vs ${expected}`);
  }
  assert.ok(Math.abs(gen.topShare() - 1 / z) < 1e-12);
  let top = 0;
  for (let r = 0; r < n / 100; r++) top += counts.get(r) ?? 0;
  const expectedTop = zeta(n / 100, theta) / z;
  assert.ok(Math.abs(top / draws - expectedTop) < 0.03, `top 1%: ${top / draws} vs ${expectedTop}`);
});

test('zipfian keys are scattered over the key space by a bijection; uniform keys are flat', () => {
  const n = 1000;
  const gen = new ZipfianKeys(n, 0.99);
  const rng = createRng(5);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < 100_000; i++) counts[gen.next(rng)]!++;
  const sorted = [...counts].sort((a, b) => b - a);
  const top10 = sorted.slice(0, 10).reduce((a, b) => a + b, 0) / 100_000;
  assert.ok(top10 > 0.35, `the 10 hottest of 1000 keys take ${top10}`);
  const hottest = counts.indexOf(sorted[0]!);
  const second = counts.indexOf(sorted[1]!);
  assert.ok(Math.abs(hottest - second) > 1, 'hot keys are not neighbours');
  // Bijection: every rank maps to its own key.
  const seen = new Set<number>();
  const probe = new ZipfianKeys(997 * 3, 0.5) as unknown as { scatter(r: number): number };
  for (let r = 0; r < 997 * 3; r++) seen.add(probe.scatter(r));
  assert.equal(seen.size, 997 * 3);

  const uniform = new UniformKeys(n);
  const flat = new Array<number>(n).fill(0);
  for (let i = 0; i < 100_000; i++) flat[uniform.next(rng)]!++;
  assert.ok(Math.max(...flat) / 100_000 < 0.003);
});

test('the key space deletes rows inserted during the run first, and draws never return a deleted row', () => {
  const keys = new KeySpace(3, new UniformKeys(3));
  const rng = createRng(1);
  const fresh = keys.fresh();
  assert.equal(fresh, 3);
  keys.inserted(fresh);
  assert.equal(keys.claimForDelete(rng), 3);
  const gone = [keys.claimForDelete(rng), keys.claimForDelete(rng), keys.claimForDelete(rng)];
  assert.deepEqual([...gone].sort(), [0, 1, 2]);
  assert.equal(keys.pick(rng), undefined, 'every loaded row is gone');
  keys.restore(1);
  assert.equal(keys.pick(rng), 1);
});

test('the owned table name is a valid identifier with the benchmark id, at most 63 bytes, and quoted', () => {
  assert.equal(ownedTableName('orders DB', 'benchmark_1700000000_ab12'), 'aifb_orders_db_benchmark_1700000000_ab12');
  assert.equal(ownedTableName('x', 'b-1', 'Benchmark_Table'), 'benchmark_table_b_1');
  assert.equal(ownedTableName('x', 'b1', '9lives'), 't_9lives_b1');
  const long = ownedTableName('a'.repeat(80), 'benchmark_1700000000_ab12');
  assert.ok(long.length <= 63 && /^[a-z_][a-z0-9_]*$/.test(long), long);
  assert.notEqual(long, ownedTableName('a'.repeat(81), 'benchmark_1700000000_ab12'));
  assert.equal(quoteIdent('we"ird'), '"we""ird"');
});

test('check() validates user queries, presets and row needs; operations and default mixes follow them', () => {
  for (const def of [postgresDefinition, pgliteDefinition]) {
    assert.deepEqual(def.serviceTypes, ['postgresql', 'database']);
    const service = {
      queries: {
        by_key: { sql: 'SELECT * FROM {table} WHERE id = $1', params: ['key'] },
        bad_count: { sql: 'SELECT $1, $2', params: ['key'] },
        select: { sql: 'SELECT 1' },
        'bad name': { sql: 'SELECT 1' },
        bad_gen: { sql: 'SELECT $1', params: ['random_int:5:1'] },
      },
    };
    const problems = def.check!(fieldsOf(def.fields, service)).map((p) => `${p.path.join('.')}: ${p.message}`);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /queries\.bad_count\.params: .*2 placeholder/);
    assert.match(problems.join('\n'), /queries\.select: .*built-in/);
    assert.match(problems.join('\n'), /queries\.bad name: /);
    assert.match(problems.join('\n'), /queries\.bad_gen\.params\.0: .*LO must not exceed HI/);
    assert.ok(def.operationsFor!(fieldsOf(def.fields, service)).includes('by_key'));
    assert.deepEqual(def.defaultMixFor!(fieldsOf(def.fields, { preset: 'ycsb-a' })), { select: 0.5, update: 0.5 });
    assert.deepEqual(def.defaultMixFor!(fieldsOf(def.fields, { preset: 'tpcb' })), { tpcb: 1 });
    assert.deepEqual(def.defaultMixFor!(fieldsOf(def.fields, { queries: { a: { sql: 'SELECT 1' }, b: { sql: 'SELECT 2' } } })), { a: 0.5, b: 0.5 });
    assert.deepEqual(def.defaultMixFor!(fieldsOf(def.fields, {})), { select: 0.5, insert: 0.2, update: 0.2, delete: 0.1 });
    assert.match(def.check!(fieldsOf(def.fields, { initial_rows: 0 }))[0]!.message, /select, update, delete need/);
    assert.deepEqual(def.check!(fieldsOf(def.fields, { initial_rows: 0, operation_mix: { insert: 1 } })), []);
    assert.match(def.check!(fieldsOf(def.fields, { preset: 'tpcb', initial_rows: 5 }))[0]!.message, /at least 12/);
  }
});

test('parameter generators parse, and anything else is refused with the list of generators', () => {
  assert.deepEqual(parseParam('key'), { kind: 'key' });
  assert.deepEqual(parseParam('random_int:-5:5'), { kind: 'random_int', lo: -5, hi: 5 });
  assert.deepEqual(parseParam('text:hello:world'), { kind: 'literal', value: 'hello:world' });
  assert.deepEqual(parseParam(42), { kind: 'literal', value: 42 });
  assert.match(parseParam('keys') as string, /not a parameter generator; use key, new_key, payload/);
});

test('shareOf splits a server\'s free connections among generators: the shares add up to the room, none is left out', async () => {
  const { shareOf } = await import('../../src/services/database/postgres/adapter.js');
  assert.deepEqual([0, 1, 2].map((k) => shareOf(10, k, 3)), [4, 3, 3]);
  assert.equal(shareOf(7, 0, 1), 7);
  assert.deepEqual([0, 1].map((k) => shareOf(1, k, 2)), [1, 0]);
});

test('select-only reads one balance, as pgbench -S reads abalance; the YCSB presets read the whole record', () => {
  const statements = statementsFor('t');
  const selectOf = (preset: string) => {
    const fields = fieldsOf(postgresDefinition.fields, { preset, initial_rows: 100 }) as ConstructorParameters<typeof SqlWorkload>[0];
    const w = new SqlWorkload(fields, new Map(), statements, 't', ['x']);
    return w.prepare('select', createRng(3)).steps[0]!.st.text;
  };
  assert.equal(selectOf('select-only'), statements.balance.text);
  assert.match(selectOf('select-only'), /^SELECT balance FROM "t" WHERE id = \$1$/);
  assert.equal(selectOf('ycsb-b'), statements.select.text);
});

test('sizeOf counts a value as its text on the wire: integers by their digits without making the text', () => {
  for (const n of [0, 7, 9, 10, 99, 100, 123456, -1, -10, -99999, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) assert.equal(sizeOf(n), String(n).length, String(n));
  assert.equal(sizeOf(1.5), 3);
  assert.equal(sizeOf(1e21), String(1e21).length);
  assert.equal(sizeOf(12n), 2);
  assert.equal(sizeOf([12, 'abc', null, [1, 22]]), 2 + 3 + 0 + 3);
  assert.equal(sizeOf('é'), 2);
});
