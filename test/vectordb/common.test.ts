import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFloatRows, readIntRows } from '../../src/services/vectordb/common/files.js';
import { Space, rowNorms } from '../../src/services/vectordb/common/distance.js';
import { bruteForce } from '../../src/services/vectordb/common/groundtruth.js';
import { staticTruth } from '../../src/services/vectordb/common/prepare-truth.js';
import { loadDataset } from '../../src/services/vectordb/common/dataset.js';
import { vectorFields } from '../../src/services/vectordb/common/fields.js';
import { fieldsOf } from '../../src/services/fields.js';
import { LiveSet } from '../../src/services/vectordb/common/live.js';
import { Truth, tagOf } from '../../src/services/vectordb/common/truth.js';
import { ParamGate } from '../../src/services/vectordb/common/gate.js';
import { CHROMA_NAMES, POSTGRES_NAMES, WEAVIATE_NAMES, ownedName } from '../../src/services/vectordb/common/naming.js';
import { ReplyReader } from '../../src/services/vectordb/faiss/protocol.js';
import { createRng } from '../../src/util/rng.js';
import { quiet, signal } from './helpers.js';

/** The data set of fields parsed by the shared shape, as an adapter gets them (the engine's serviceOf). */
const datasetOf = (s: { fields: Record<string, unknown>; seed: number }) => loadDataset(fieldsOf(vectorFields, s.fields), s.seed);

const dir = mkdtempSync(join(tmpdir(), 'aifb-vdb-common-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function vecs(path: string, rows: number[][], kind: 'f' | 'b' | 'i'): void {
  const parts = rows.map((r) => {
    const b = Buffer.alloc(4 + r.length * (kind === 'b' ? 1 : 4));
    b.writeInt32LE(r.length, 0);
    r.forEach((x, j) => (kind === 'f' ? b.writeFloatLE(x, 4 + 4 * j) : kind === 'i' ? b.writeInt32LE(x, 4 + 4 * j) : b.writeUInt8(x, 4 + j)));
    return b;
  });
  writeFileSync(path, Buffer.concat(parts));
}

describe('vector files', () => {
  test('.fvecs, .bvecs and .ivecs: rows, a window of rows, and a file that is not one', async () => {
    vecs(join(dir, 'a.fvecs'), [[1, 2, 3], [4, 5, 6], [7, 8, 9.5]], 'f');
    vecs(join(dir, 'a.bvecs'), [[1, 2], [255, 0]], 'b');
    vecs(join(dir, 'a.ivecs'), [[3, 1], [0, 2]], 'i');
    const f = await readFloatRows(join(dir, 'a.fvecs'), 1, 5);
    assert.deepEqual({ total: f.total, d: f.d, data: [...f.data] }, { total: 3, d: 3, data: [4, 5, 6, 7, 8, 9.5] });
    assert.deepEqual([...(await readFloatRows(join(dir, 'a.bvecs'), 0, 9)).data], [1, 2, 255, 0]);
    assert.deepEqual([...(await readIntRows(join(dir, 'a.ivecs'), 1)).data], [3, 1]);
    writeFileSync(join(dir, 'bad.fvecs'), Buffer.from([3, 0, 0, 0, 1, 2]));
    await assert.rejects(readFloatRows(join(dir, 'bad.fvecs'), 0, 1), /not a \.fvecs file/);
    await assert.rejects(readFloatRows(join(dir, 'x.hdf5'), 0, 1), /cannot open|unknown vector file type/);
  });

  test('.npy written by NumPy: float32, float64, uint8, int64', async () => {
    const py = `import numpy as np
np.save('${dir}/f4.npy', np.arange(12, dtype='<f4').reshape(4, 3) / 2)
np.save('${dir}/f8.npy', np.arange(6, dtype='<f8').reshape(2, 3))
np.save('${dir}/u1.npy', np.array([[1, 200]], dtype='u1'))
np.save('${dir}/i8.npy', np.array([[5, 7], [9, 11]], dtype='<i8'))
np.save('${dir}/fortran.npy', np.asfortranarray(np.ones((3, 2), dtype='<f4')))`;
    execFileSync('/usr/bin/python3', ['-c', py]);
    const f4 = await readFloatRows(join(dir, 'f4.npy'), 2, 10);
    assert.deepEqual({ total: f4.total, d: f4.d, data: [...f4.data] }, { total: 4, d: 3, data: [3, 3.5, 4, 4.5, 5, 5.5] });
    assert.deepEqual([...(await readFloatRows(join(dir, 'f8.npy'), 0, 2)).data], [0, 1, 2, 3, 4, 5]);
    assert.deepEqual([...(await readFloatRows(join(dir, 'u1.npy'), 0, 1)).data], [1, 200]);
    assert.deepEqual([...(await readIntRows(join(dir, 'i8.npy'), 2)).data], [5, 7, 9, 11]);
    await assert.rejects(readFloatRows(join(dir, 'fortran.npy'), 0, 1), /Fortran order/);
  });
});

function naive(space: Space, base: Float32Array, q: Float32Array, k: number, accept = (_: number) => true): number[] {
  const d = space.d;
  const n = base.length / d;
  const norms = rowNorms(base, d);
  const qn = space.norm(q);
  return Array.from({ length: n }, (_, i) => i)
    .filter(accept)
    .map((i) => ({ i, dist: space.between(q, qn, base, i, norms[i]!) }))
    .sort((a, b) => a.dist - b.dist || a.i - b.i)
    .slice(0, k)
    .map((x) => x.i);
}

describe('ground truth', () => {
  const rng = createRng(4);
  const d = 8;
  const base = Float32Array.from({ length: 300 * d }, () => rng.normal());
  const queries = Float32Array.from({ length: 5 * d }, () => rng.normal());

  for (const distance of ['l2', 'cosine', 'ip'] as const) {
    test(`brute force equals the naive sort (${distance}), filtered too`, async () => {
      const space = new Space(distance, d);
      const t = await bruteForce(space, base, queries, 20);
      const f = await bruteForce(space, base, queries, 20, (id) => tagOf(id) < 30);
      for (let q = 0; q < 5; q++) {
        const qv = queries.subarray(q * d, (q + 1) * d);
        assert.deepEqual([...t.ids.subarray(q * 20, (q + 1) * 20)], naive(space, base, qv, 20));
        assert.deepEqual([...f.ids.subarray(q * 20, (q + 1) * 20)], naive(space, base, qv, 20, (id) => tagOf(id) < 30));
      }
    });
  }

  test('computed once, then read from the cache; other settings get their own entry; a corrupt cache is recomputed', async () => {
    const cache = join(dir, 'cache');
    const ds = await datasetOf({ fields: { dimension: 8, num_vectors: 200, num_queries: 10, cache_dir: cache }, seed: 1 });
    const space = new Space('l2', ds.d);
    const first = await staticTruth(space, ds, 50, 10, 100, quiet, signal());
    const again = await staticTruth(space, ds, 50, 10, 100, quiet, signal());
    assert.equal(first.source, 'computed');
    assert.equal(again.source, 'cache');
    assert.deepEqual(again.truth.ids, first.truth.ids);
    assert.equal((await staticTruth(new Space('ip', ds.d), ds, 50, 10, 100, quiet, signal())).source, 'computed');
    assert.equal((await staticTruth(space, ds, 50, 10, 20, quiet, signal())).source, 'computed', 'a filter has its own truth');
    const other = await datasetOf({ fields: { dimension: 8, num_vectors: 200, num_queries: 10, cache_dir: cache, data_seed: 2 }, seed: 1 });
    assert.equal((await staticTruth(space, other, 50, 10, 100, quiet, signal())).source, 'computed', 'another data seed is other data');
    writeFileSync(first.path!, 'garbage');
    const rebuilt = await staticTruth(space, ds, 50, 10, 100, quiet, signal());
    assert.equal(rebuilt.source, 'computed');
    assert.deepEqual(rebuilt.truth.ids, first.truth.ids);
    assert.equal(readdirSync(cache).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left');
  });

  test('file data: truth cached beside the data, or in cache_dir when that directory is read-only; shipped neighbours used when they apply', async () => {
    const data = join(dir, 'set');
    execFileSync('mkdir', ['-p', data]);
    const r = createRng(9);
    vecs(join(data, 'base.fvecs'), Array.from({ length: 120 }, () => Array.from({ length: 4 }, () => r.normal())), 'f');
    vecs(join(data, 'query.fvecs'), Array.from({ length: 6 }, () => Array.from({ length: 4 }, () => r.normal())), 'f');
    const fields = { num_vectors: 120, num_queries: 6, cache_dir: join(dir, 'fallback'), dataset: { base: join(data, 'base.fvecs'), queries: join(data, 'query.fvecs') } };
    const ds = await datasetOf({ fields, seed: 1 });
    const space = new Space('l2', 4);
    const t = await staticTruth(space, ds, 30, 10, 100, quiet, signal());
    assert.equal(t.path?.startsWith(data), true, `cached beside the data: ${t.path}`);
    // Shipped neighbours: our own truth's ids written as .ivecs, then read back as the truth.
    const rows = Array.from({ length: 6 }, (_, q) => [...t.truth.ids.subarray(q * 30, q * 30 + 30)]);
    vecs(join(data, 'gt.ivecs'), rows, 'i');
    const shipped = await datasetOf({ fields: { ...fields, dataset: { ...fields.dataset, neighbors: join(data, 'gt.ivecs') } }, seed: 1 });
    const fromFile = await staticTruth(space, shipped, 30, 10, 100, quiet, signal());
    assert.equal(fromFile.source, 'file');
    assert.deepEqual(fromFile.truth.ids, t.truth.ids);
    const part = await datasetOf({ fields: { ...fields, num_vectors: 100, dataset: { ...fields.dataset, neighbors: join(data, 'gt.ivecs') } }, seed: 1 });
    assert.equal(part.neighbors, undefined, 'neighbours of the whole file do not apply to a prefix');
    if (process.getuid?.() !== 0) {
      chmodSync(data, 0o555);
      const ro = await staticTruth(space, ds, 40, 10, 100, quiet, signal());
      chmodSync(data, 0o755);
      assert.equal(ro.path?.startsWith(join(dir, 'fallback')), true);
    }
    await assert.rejects(datasetOf({ fields: { ...fields, dimension: 5 }, seed: 1 }), /dimension is 5 but .* holds 4-dimensional/);
  });
});

describe('truth over a changing index', () => {
  test('after random inserts, updates and deletes the expected neighbours equal a brute-force scan of the live set', async () => {
    const rng = createRng(12);
    const d = 6;
    const n = 400;
    const base = Float32Array.from({ length: n * d }, () => rng.normal());
    const queries = Float32Array.from({ length: 8 * d }, () => rng.normal());
    for (const distance of ['l2', 'cosine'] as const) {
      const space = new Space(distance, d);
      // Shallow on purpose (12 deep for k=5), so deletes often exhaust it and force the scan path.
      const statics = new Map([[100, await bruteForce(space, base, queries, 12)], [40, await bruteForce(space, base, queries, 12, (id) => tagOf(id) < 40)]]);
      const live = new LiveSet(d, base, rowNorms(base, d));
      const truth = new Truth(space, live, queries, statics, 1);
      const present = new Map<number, Float32Array>(Array.from({ length: n }, (_, i) => [i, base.slice(i * d, (i + 1) * d)]));
      let next = n;
      const hows = new Set<string>();
      for (let step = 0; step < 500; step++) {
        const r = rng.next();
        const ids = [...present.keys()];
        if (r < 0.3) {
          const v = Float32Array.from({ length: d }, () => rng.normal());
          live.set(next, v, space.norm(v));
          present.set(next++, v);
        } else if (r < 0.5) {
          const id = ids[rng.int(ids.length)]!;
          const v = Float32Array.from({ length: d }, () => rng.normal());
          live.set(id, v, space.norm(v));
          present.set(id, v);
        } else {
          const id = ids[rng.int(ids.length)]!;
          live.delete(id);
          present.delete(id);
        }
        const q = rng.int(8);
        const below = step % 2 === 0 ? 100 : 40;
        const exp = truth.expected(q, 5, below);
        hows.add(exp.how);
        const all = [...present.entries()].filter(([id]) => below >= 100 || tagOf(id) < below);
        const flat = new Float32Array(all.length * d);
        all.forEach(([, v], i) => flat.set(v, i * d));
        const want = naive(space, flat, queries.subarray(q * d, (q + 1) * d), 5).map((i) => all[i]![0]);
        assert.deepEqual(exp.ids, want, `step ${step}`);
        assert.equal(truth.recall(q, exp, want, 5, below), 1);
      }
      assert.ok(hows.has('merged') && hows.has('scan'), [...hows].join());
    }
  });

  test('recall: ties within tolerance count, duplicates count once, unknown ids never', async () => {
    const d = 2;
    const base = Float32Array.from([0, 0, 1, 0, 1, 0, 2, 0, 5, 5]);
    const queries = Float32Array.from([0, 0]);
    const space = new Space('l2', d);
    const statics = new Map([[100, await bruteForce(space, base, queries, 5)]]);
    const truth = new Truth(space, new LiveSet(d, base, rowNorms(base, d)), queries, statics, 1);
    const exp = truth.expected(0, 2);
    assert.deepEqual(exp.ids, [0, 1]);
    assert.equal(truth.recall(0, exp, [0, 2], 2), 1, 'id 2 ties with id 1');
    assert.equal(truth.recall(0, exp, [0, 0], 2), 0.5);
    assert.equal(truth.recall(0, exp, [0, 99], 2), 0.5);
    assert.equal(truth.recall(0, exp, [3, 4], 2), 0);
  });
});

describe('small parts', () => {
  test('owned names follow each engine\'s rules and stay distinct when shortened', () => {
    assert.equal(ownedName('My Service@clients=5', 'benchmark_1700000000_ab12', undefined, CHROMA_NAMES), 'aifb_my_service_clients_5_benchmark_1700000000_ab12');
    assert.equal(ownedName('x', 'b1', 'bench_vectors', POSTGRES_NAMES), 'bench_vectors_b1');
    assert.match(ownedName('x', 'b1', '9lives', WEAVIATE_NAMES), /^V_9lives_b1$/);
    const long = (s: string) => ownedName('s'.repeat(80) + s, 'b1', undefined, POSTGRES_NAMES);
    assert.equal(long('a').length, 63);
    assert.notEqual(long('a'), long('b'));
  });

  test('ParamGate: searches with the same settings share them; a switch waits for the others to finish', async () => {
    const gate = new ParamGate();
    const applied: string[] = [];
    const apply = (k: string) => async () => void applied.push(k);
    assert.ok((await gate.enter('a', apply('a'))) >= 0);
    assert.equal(await gate.enter('a', apply('a')), 0);
    let switched = false;
    const b = gate.enter('b', apply('b')).then(() => (switched = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(switched, false, 'b waits while two "a" searches run');
    gate.leave();
    gate.leave();
    await b;
    assert.deepEqual(applied, ['a', 'b']);
  });

  test('Faiss reply frames split across chunks are reassembled', () => {
    const body = Buffer.concat([Buffer.from([0]), Buffer.alloc(8), Buffer.from('xyz')]);
    body.writeDoubleLE(0.5, 1);
    const frame = Buffer.concat([Buffer.from([body.length, 0, 0, 0]), body]);
    const r = new ReplyReader();
    assert.deepEqual(r.push(frame.subarray(0, 5)), []);
    const [reply] = r.push(Buffer.concat([frame.subarray(5), frame]));
    assert.equal(reply!.ok, true);
    assert.equal(reply!.engineMs, 500);
    assert.equal(reply!.payload.toString(), 'xyz');
  });
});
