import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendDefinition } from '../../src/services/contract.js';
import { createRng } from '../../src/util/rng.js';
import { SMALL, closeAdapter, meanRecall, openAdapter, runOp } from './helpers.js';

/** What the conformance suite needs from one vector backend. */
export interface VectorTarget {
  def: BackendDefinition;
  /** Connection fields (URL of the test server, data_dir, python…). */
  fields(): Record<string, unknown>;
  /** Index settings under which search is exact (Flat, no index, ef ≥ n). */
  exact: Record<string, unknown>;
  /** Engines with metadata run search_filtered. */
  filter: boolean;
  /** A search_params entry the backend accepts with the exact settings. */
  variant?: Record<string, number>;
  /** The collection/table/class name the backend will own for (service, benchmark id). */
  nameFor?(service: string, id: string): string;
  /** Direct access to the engine, outside aifb, for engines with named collections. */
  outside?: {
    create(name: string): Promise<void>;
    exists(name: string): Promise<boolean>;
    remove(name: string): Promise<void>;
    /** Lets go of the engine before aifb opens it (PGlite allows one instance per data directory). */
    pause?(): Promise<void>;
  };
}

const close = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) <= eps;

/** The behaviour every vector backend must show, run once per backend against its real engine (or Weaviate's fixture). */
export function vectorConformance(name: string, target: () => VectorTarget): void {
  describe(`${name}: vector conformance`, () => {
    test('an exact index gives recall exactly 1.0 for every search, before and after inserts, updates and deletes', async () => {
      const t = target();
      const mix = t.filter ? { search: 0.5, search_filtered: 0.5 } : { search: 1 };
      const fields = { ...t.fields(), ...SMALL, ...t.exact, ...(t.variant ? { search_params: [t.variant] } : {}) };
      const a = await openAdapter(t.def, fields, mix);
      try {
        const lp = a.loadPhase!;
        assert.equal(lp.vectors, SMALL.num_vectors);
        assert.equal(lp.dimension, SMALL.dimension);
        assert.ok(lp.vectorsPerSecond > 0 && lp.insertSeconds > 0 && lp.seconds >= lp.insertSeconds);
        assert.ok(lp.truth.length >= 1);
        const ops = ['search', ...(t.filter ? ['search_filtered'] : []), ...a.variants.keys()];
        for (const op of ops) assert.deepEqual(new Set((await meanRecall(a, op, 15)).all), new Set([1]), `${op} before changes`);
        const rng = createRng(21);
        for (let i = 0; i < 12; i++) {
          for (const op of ['insert', 'update', 'delete', 'insert', 'get']) {
            const { result } = await runOp(a, op, rng);
            assert.equal(result.ok, true, `${op}: ${result.message}`);
          }
        }
        for (const op of ops) assert.deepEqual(new Set((await meanRecall(a, op, 15, 31)).all), new Set([1]), `${op} after changes`);
      } finally {
        await closeAdapter(a);
      }
    });

    test('what was inserted can be read and found; updates read back; deleted vectors are gone', async () => {
      const t = target();
      const a = await openAdapter(t.def, { ...t.fields(), ...SMALL, ...t.exact }, { search: 1 });
      try {
        const rng = createRng(5);
        const d = SMALL.dimension;
        const ins = await runOp(a, 'insert', rng);
        assert.equal(ins.result.ok, true, ins.result.message);
        assert.equal(ins.op.kind, 'insert');
        if (ins.op.kind !== 'insert') return;
        const id = ins.op.batch.ids[0]!;
        const vec = ins.op.batch.vectors.subarray(0, d);
        const got = await a.engine.get(id, new AbortController().signal);
        assert.ok(got.vector, 'inserted vector is readable');
        assert.ok([...vec].every((x, j) => close(x, got.vector![j]!, 1e-5)), 'read back equals what was written');
        const found = await a.engine.search(vec, 3, {}, new AbortController().signal);
        assert.equal(found.ids[0], id, 'searching for the inserted vector finds it first');

        const upd = await runOp(a, 'update', rng);
        assert.equal(upd.result.ok, true, upd.result.message);
        if (upd.op.kind !== 'update') return;
        const after = await a.engine.get(upd.op.id, new AbortController().signal);
        assert.ok([...upd.op.batch.vectors].every((x, j) => close(x, after.vector![j]!, 1e-5)), 'update read back');

        const delOp = a.prepare('delete', rng);
        assert.equal(delOp.kind, 'delete');
        if (delOp.kind !== 'delete') return;
        const before = (await a.engine.get(delOp.id, new AbortController().signal)).vector!;
        const del = await a.execute(delOp, new AbortController().signal);
        a.release(delOp);
        assert.equal(del.ok, true, del.message);
        assert.equal((await a.engine.get(delOp.id, new AbortController().signal)).vector, undefined, 'deleted vector cannot be read');
        const near = await a.engine.search(before, 10, {}, new AbortController().signal);
        assert.ok(!near.ids.includes(delOp.id), `deleted id ${delOp.id} came back from a search for its own vector`);
        assert.equal(near.ids.length, 10, 'the other vectors are still there');
        const own = await runOp(a, 'get', rng);
        assert.equal(own.result.ok, true, own.result.message);
        assert.ok((own.result.extra?.max_abs_error as number) <= 1e-5);
      } finally {
        await closeAdapter(a);
      }
    });

    if (target().outside) {
      test('teardown removes its own collection only; neighbours survive; an existing one is refused, not reused', async () => {
        const t = target();
        const out = t.outside!;
        const ours = t.nameFor!('vec svc', 'bench_9');
        const neighbours = [`${ours}_old`, t.nameFor!('vec svc', 'bench_90'), t.nameFor!('vec svc2', 'bench_9')];
        for (const n of neighbours) await out.create(n);
        try {
          await out.pause?.();
          const a = await openAdapter(t.def, { ...t.fields(), ...SMALL, ...t.exact }, { search: 1 }, 'bench_9');
          assert.equal(a.collection, ours);
          // An embedded engine cannot be looked at from outside while aifb holds it.
          if (!out.pause) assert.equal(await out.exists(ours), true);
          await closeAdapter(a);
          assert.equal(await out.exists(ours), false, 'our collection is removed');
          for (const n of neighbours) assert.equal(await out.exists(n), true, `${n} survives`);

          await out.create(ours);
          await out.pause?.();
          await assert.rejects(openAdapter(t.def, { ...t.fields(), ...SMALL, ...t.exact }, { search: 1 }, 'bench_9'), /already exists/);
          assert.equal(await out.exists(ours), true, 'a collection we did not create is left alone');
          await out.remove(ours);
        } finally {
          for (const n of neighbours) await out.remove(n).catch(() => undefined);
          await out.pause?.();
        }
      });
    }
  });
}
