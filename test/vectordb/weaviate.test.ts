import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { weaviateDefinition } from '../../src/services/vectordb/weaviate/definition.js';
import { fieldsOf } from '../../src/services/fields.js';
import { WEAVIATE_NAMES, ownedName } from '../../src/services/vectordb/common/naming.js';
import { startWeaviateFixture, type WeaviateFixture } from './weaviate-fixture.js';
import { vectorConformance } from './conformance.js';
import { SMALL, closeAdapter, meanRecall, openAdapter, runOp } from './helpers.js';
import { createRng } from '../../src/util/rng.js';

/**
 * The fixture (test/vectordb/weaviate-fixture.ts) answers as weaviate-server 1.35.2 was
 * seen to answer and can fail on demand; weaviate-live.test.ts runs the same suite on the
 * real server where scripts/servers/weaviate.sh installed it.
 */
let fx: WeaviateFixture;
before(async () => {
  fx = await startWeaviateFixture();
});
after(async () => {
  assert.deepEqual(fx.violations, [], 'every request matched the documented shapes');
  await fx.close();
});

vectorConformance('weaviate (fixture)', () => ({
  def: weaviateDefinition,
  fields: () => ({ service_url: fx.url }),
  exact: {},
  filter: true,
  variant: { ef_search: 64 },
  nameFor: (service, id) => ownedName(service, id, undefined, WEAVIATE_NAMES),
  outside: {
    create: async (name) => void fx.classes.set(name, { config: { class: name, vectorIndexConfig: { distance: 'l2-squared' } }, objects: new Map() }),
    exists: async (name) => fx.classes.has(name),
    remove: async (name) => void fx.classes.delete(name),
  },
}));

test('weaviate: an ef_search sweep puts the class back with vectorIndexConfig.ef, then restores the recipe value', async () => {
  const a = await openAdapter(weaviateDefinition, { service_url: fx.url, ...SMALL, ef_search: 32, search_params: [{ ef_search: 128 }] });
  try {
    const cls = a.collection!;
    assert.match(cls, /^[A-Z][_0-9A-Za-z]*$/);
    assert.equal((fx.classes.get(cls)!.config.vectorIndexConfig as { ef?: number }).ef, 32);
    const sweep = await runOp(a, 'search@ef_search=128', createRng(1));
    assert.equal(sweep.result.ok, true, sweep.result.message);
    assert.ok((sweep.result.extra?.switch_ms as number) > 0);
    assert.equal((fx.classes.get(cls)!.config.vectorIndexConfig as { ef?: number }).ef, 128);
    await runOp(a, 'search', createRng(2));
    assert.equal((fx.classes.get(cls)!.config.vectorIndexConfig as { ef?: number }).ef, 32);
    assert.equal((await meanRecall(a, 'search', 5)).mean, 1);
  } finally {
    await closeAdapter(a);
  }
});

test('weaviate: per-object batch errors (HTTP 200) fail the insert; GraphQL errors fail the search', async () => {
  const a = await openAdapter(weaviateDefinition, { service_url: fx.url, ...SMALL });
  try {
    fx.failNextBatch = 'vector lengths don\'t match';
    const ins = await runOp(a, 'insert', createRng(1));
    assert.equal(ins.result.ok, false);
    assert.match(ins.result.message ?? '', /1 of 1 objects failed: vector lengths/);
    const cls = a.collection!;
    const saved = fx.classes.get(cls)!;
    fx.classes.delete(cls);
    const s = await runOp(a, 'search', createRng(2));
    assert.equal(s.result.ok, false);
    assert.match(s.result.message ?? '', /graphql: Cannot query field/);
    fx.classes.set(cls, saved);
    const miss = await a.engine.get(10_000_000, new AbortController().signal);
    assert.equal(miss.vector, undefined, '404 is "not there", not an error');
  } finally {
    await closeAdapter(a);
  }
});

test('weaviate: index flat takes no HNSW knobs; hnsw sweeps ef_search', () => {
  const check = (service: Record<string, unknown>) => weaviateDefinition.check!(fieldsOf(weaviateDefinition.fields, service));
  assert.deepEqual(check({ index: 'flat' }), []);
  assert.deepEqual(check({ index: 'flat', ef_search: 64 }).map((p) => p.message), ['ef_search applies to index: hnsw, not flat']);
  assert.match(check({ index: 'flat', search_params: [{ ef_search: 64 }] })[0]!.message, /ef_search/);
  assert.deepEqual(check({ index: 'hnsw', ef_search: 64, search_params: [{ ef_search: 128 }] }), []);
});
