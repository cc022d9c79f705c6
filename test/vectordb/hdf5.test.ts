import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faissDefinition } from '../../src/services/vectordb/faiss/definition.js';
import { loadDataset } from '../../src/services/vectordb/common/dataset.js';
import { vectorFields } from '../../src/services/vectordb/common/fields.js';
import { fieldsOf } from '../../src/services/fields.js';
import { createRng } from '../../src/util/rng.js';
import { runCli } from '../helpers/cli.js';
import { CACHE_DIR, closeAdapter, meanRecall, openAdapter, runOp } from './helpers.js';

/** The data set of fields parsed by the shared shape, as an adapter gets them (the engine's serviceOf). */
const datasetOf = (s: { fields: Record<string, unknown>; seed: number }) => loadDataset(fieldsOf(vectorFields, s.fields), s.seed);

/**
 * ann-benchmarks HDF5 files, written here with h5wasm the way ann-benchmarks writes them
 * (float32 train/test, int32 neighbors, float32 distances, a `distance` attribute), with
 * neighbours from a naive sort in this file, then run on real Faiss.
 */

const dir = mkdtempSync(join(tmpdir(), 'aifb-vdb-hdf5-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const D = 12;
const N = 400;
const M = 30;
const DEPTH = 50;

type H5 = typeof import('h5wasm/node');
let h5: H5;
before(async () => {
  h5 = await import('h5wasm/node');
  await h5.ready;
});

function gaussian(seed: number, rows: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(rows * D);
  // Clustered, so neighbours are not all at the same distance.
  for (let i = 0; i < rows; i++) {
    const c = i % 5;
    for (let j = 0; j < D; j++) out[i * D + j] = (j % 5 === c ? 3 : 0) + rng.normal();
  }
  return out;
}

/** Exact neighbours by sorting every distance (nothing shared with aifb's brute force). */
function naiveNeighbors(train: Float32Array, test: Float32Array, metric: 'euclidean' | 'angular'): { ids: Int32Array; dists: Float32Array } {
  const ids = new Int32Array(M * DEPTH);
  const dists = new Float32Array(M * DEPTH);
  const row = (a: Float32Array, i: number) => Array.from(a.subarray(i * D, (i + 1) * D));
  for (let q = 0; q < M; q++) {
    const qv = row(test, q);
    const all = Array.from({ length: N }, (_, i) => {
      const x = row(train, i);
      if (metric === 'euclidean') return { i, d: Math.sqrt(x.reduce((s, v, j) => s + (v - qv[j]!) ** 2, 0)) };
      const dot = x.reduce((s, v, j) => s + v * qv[j]!, 0);
      const norms = Math.hypot(...x) * Math.hypot(...qv);
      return { i, d: 1 - dot / norms };
    }).sort((a, b) => a.d - b.d || a.i - b.i);
    all.slice(0, DEPTH).forEach((e, j) => {
      ids[q * DEPTH + j] = e.i;
      dists[q * DEPTH + j] = e.d;
    });
  }
  return { ids, dists };
}

interface Write {
  metric?: string;
  omit?: string[];
}

function writeAnn(name: string, seed: number, w: Write = {}): string {
  const path = join(dir, name);
  const train = gaussian(seed, N);
  const queries = gaussian(seed + 1000, M);
  const metric = w.metric ?? 'euclidean';
  const gt = naiveNeighbors(train, queries, metric === 'angular' ? 'angular' : 'euclidean');
  const f = new h5.File(path, 'w');
  try {
    const sets: [string, Float32Array | Int32Array, number][] = [
      ['train', train, D],
      ['test', queries, D],
      ['neighbors', gt.ids, DEPTH],
      ['distances', gt.dists, DEPTH],
    ];
    for (const [set, data, cols] of sets) if (!w.omit?.includes(set)) f.create_dataset({ name: set, data, shape: [data.length / cols, cols] });
    f.create_attribute('distance', metric);
    f.create_attribute('dimension', D);
  } finally {
    f.close();
  }
  return path;
}

test('an ann-benchmarks file: shapes and distance come through; its neighbours are the truth; Faiss Flat finds them all (recall 1.0)', async () => {
  const path = writeAnn('angular.hdf5', 1, { metric: 'angular' });
  const ds = await datasetOf({ fields: { dataset: { base: path }, num_vectors: N, num_queries: M, cache_dir: CACHE_DIR }, seed: 1 });
  assert.deepEqual({ d: ds.d, n: ds.n, m: ds.m, distance: ds.distance, depth: ds.neighbors?.depth }, { d: D, n: N, m: M, distance: 'cosine', depth: DEPTH });
  assert.deepEqual([...ds.queries.subarray(0, D)], [...gaussian(1001, 1)], 'test row 0 is the first query');
  const fewer = await datasetOf({ fields: { dataset: { base: path }, num_vectors: 100, num_queries: 5, cache_dir: CACHE_DIR }, seed: 1 });
  assert.deepEqual({ n: fewer.n, m: fewer.m, neighbors: fewer.neighbors }, { n: 100, m: 5, neighbors: undefined }, 'neighbours of the whole train set do not apply to a prefix');

  const a = await openAdapter(faissDefinition, { dataset: { base: path }, num_vectors: N, num_queries: M, search_k: 10, index_factory: 'Flat' }, { search: 0.6, insert: 0.2, delete: 0.2 });
  try {
    assert.equal(a.loadPhase!.dimension, D);
    assert.equal(a.loadPhase!.vectors, N);
    assert.deepEqual(a.loadPhase!.truth.map((t) => t.source), ['file']);
    const before = await meanRecall(a, 'search', M);
    assert.deepEqual(new Set(before.all), new Set([1]), 'a flat index returns the file\'s neighbours exactly');
    // The mix changes the index: the file's lists are merged with the changes (truth.ts).
    const rng = createRng(5);
    for (let i = 0; i < 40; i++) {
      const { result } = await runOp(a, i % 2 ? 'insert' : 'delete', rng);
      assert.ok(result.ok, result.message);
    }
    const afterChanges = await meanRecall(a, 'search', M);
    assert.deepEqual(new Set(afterChanges.all), new Set([1]), 'still exact after inserts and deletes');
  } finally {
    await closeAdapter(a);
  }
});

test('other number types are converted (float64 train, int64 neighbours); text is refused, naming the dataset', async () => {
  const src = writeAnn('euclid32.hdf5', 6);
  const read = (f: InstanceType<H5['File']>, name: string) => f.get(name) as InstanceType<H5['Dataset']>;
  const orig = new h5.File(src, 'r');
  const train = Float64Array.from(read(orig, 'train').value as Float32Array);
  const test = read(orig, 'test').value as Float32Array;
  const nb = BigInt64Array.from(read(orig, 'neighbors').value as Int32Array, (v) => BigInt(v));
  orig.close();
  const wide = join(dir, 'wide.h5');
  const f = new h5.File(wide, 'w');
  f.create_dataset({ name: 'train', data: train, shape: [N, D] });
  f.create_dataset({ name: 'test', data: test, shape: [M, D] });
  f.create_dataset({ name: 'neighbors', data: nb, shape: [M, DEPTH] });
  f.create_attribute('distance', 'euclidean');
  f.close();
  const ds = await datasetOf({ fields: { dataset: { base: wide }, num_vectors: N, num_queries: M }, seed: 1 });
  assert.deepEqual([...ds.base.subarray(0, 2 * D)], [...Float32Array.from(train.subarray(0, 2 * D))]);
  assert.deepEqual([...ds.neighbors!.ids.subarray(0, DEPTH)], [...nb.subarray(0, DEPTH)].map(Number));
  assert.equal(ds.distance, 'l2');

  const text = join(dir, 'text.hdf5');
  const g = new h5.File(text, 'w');
  g.create_dataset({ name: 'train', data: ['a', 'b'] });
  g.create_dataset({ name: 'test', data: test, shape: [M, D] });
  g.close();
  await assert.rejects(datasetOf({ fields: { dataset: { base: text }, distance: 'l2' }, seed: 1 }), /text\.hdf5: dataset "train" holds text values; expected numbers/);
  await assert.rejects(datasetOf({ fields: { dataset: { base: wide.replace('wide', 'nowhere') } }, seed: 1 }), /cannot read ann-benchmarks file .*nowhere\.h5/);
});

test('the recipe\'s distance wins over the file\'s: the file\'s neighbours (another metric) are then not used', async () => {
  const path = writeAnn('angular-l2.hdf5', 2, { metric: 'angular' });
  const a = await openAdapter(faissDefinition, { dataset: { base: path }, num_vectors: N, num_queries: M, search_k: 10, index_factory: 'Flat', distance: 'l2' });
  try {
    assert.deepEqual(a.loadPhase!.truth.map((t) => t.source), ['computed']);
    assert.deepEqual(new Set((await meanRecall(a, 'search', M)).all), new Set([1]));
  } finally {
    await closeAdapter(a);
  }
});

test('through the CLI: a run from an .hdf5 file reports recall 1.0; a file without train or with a set distance exits 2 naming the file', async () => {
  const good = writeAnn('euclid.hdf5', 3);
  const noTrain = writeAnn('no-train.hdf5', 4, { omit: ['train'] });
  const jaccard = writeAnn('jaccard.hdf5', 5, { metric: 'jaccard' });
  writeFileSync(join(dir, 'junk.h5'), 'not hdf5 at all');
  const recipe = (dataset: string) => `services:
  - service_name: ann
    service_type: vectordb
    backend: faiss
    index_factory: Flat
    dataset: ${dataset}
    num_vectors: ${N}
    num_queries: ${M}
    cache_dir: ${CACHE_DIR}
    load: {clients: 1, requests: 60}
`;
  writeFileSync(join(dir, 'good.yaml'), recipe(`{base: ${good}}`));
  const res = await runCli(['run', 'good.yaml', '--out', 'out', '--quiet', '--id', 'hdf5run'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const reportFile = readdirSync(join(dir, 'out')).find((f) => f.endsWith('.json') && f.includes('hdf5run'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', reportFile), 'utf8')) as { services: Record<string, { recall: { mean: number; min: number; searches: number }; load_phase: { dimension: number; vectors: number; truth: { source: string }[] } }> };
  const svc = report.services.ann!;
  assert.deepEqual(svc.recall, { mean: 1, min: 1, searches: 60 });
  assert.equal(svc.load_phase.dimension, D);
  assert.equal(svc.load_phase.vectors, N);
  assert.equal(svc.load_phase.truth[0]!.source, 'file');

  const cases: [string, RegExp][] = [
    [noTrain, /no-train\.hdf5 has no dataset "train" \(an ann-benchmarks file holds train, test, neighbors and distances; this one holds distances, neighbors, test\)/],
    [jaccard, /jaccard\.hdf5 declares distance "jaccard"; aifb supports euclidean \(l2\) and angular \(cosine\)/],
    [join(dir, 'junk.h5'), /junk\.h5 is not an HDF5 file/],
    [join(dir, 'missing.hdf5'), /cannot read ann-benchmarks file .*missing\.hdf5: ENOENT/],
  ];
  for (const [i, [base, message]] of cases.entries()) {
    writeFileSync(join(dir, `bad${i}.yaml`), recipe(`{base: ${base}}`));
    const bad = await runCli(['run', `bad${i}.yaml`, '--out', `bad${i}`, '--quiet'], { cwd: dir });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, message);
    assert.match(bad.stderr, new RegExp(`bad${i}\\.yaml:2:5: `), 'positioned at the service in the recipe');
    assert.doesNotMatch(bad.stderr, /HDF5-DIAG|\n\s+at /, 'no HDF5 error stack, no stack trace');
  }
  writeFileSync(join(dir, 'extra.yaml'), recipe(`{base: ${good}, queries: q.fvecs}`));
  const extra = await runCli(['validate', 'extra.yaml'], { cwd: dir });
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /extra\.yaml:6:\d+: services\[0\]\.dataset\.queries: an ann-benchmarks HDF5 file holds its own queries \(test\); remove dataset\.queries/);
});
