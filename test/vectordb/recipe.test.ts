import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendRegistry } from '../../src/services/registry.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { chromaDefinition } from '../../src/services/vectordb/chromadb/definition.js';
import { faissDefinition } from '../../src/services/vectordb/faiss/definition.js';
import { weaviateDefinition } from '../../src/services/vectordb/weaviate/definition.js';
import { pgvectorDefinition } from '../../src/services/vectordb/pgvector/definition.js';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { RecipeError } from '../../src/errors.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { systemClock } from '../../src/util/clock.js';
import { repoRoot } from '../helpers/cli.js';
import { CACHE_DIR, quiet, signal } from './helpers.js';

const vector = [chromaDefinition, faissDefinition, weaviateDefinition, pgvectorDefinition];
const registry = new BackendRegistry([...builtinRegistry.all().filter((d) => !d.serviceTypes.includes('vectordb')), ...vector]);
const dir = mkdtempSync(join(tmpdir(), 'aifb-vdb-recipe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const issuesOf = (text: string): string => {
  try {
    loadRecipeText(text, 'r.yaml', { registry, env: {} });
    return '';
  } catch (err) {
    if (err instanceof RecipeError) return err.message;
    throw err;
  }
};

test('examples/vectordb-*.yaml and the seed recipes validate; chromadb is the default vectordb backend', () => {
  for (const name of ['vectordb-pgvector', 'vectordb-faiss', 'vectordb-chromadb', 'vectordb-weaviate', 'seed-recipe', 'seed-all-fields']) {
    const plan = loadRecipeFile(join(repoRoot, 'examples', `${name}.yaml`), { registry, env: { WEAVIATE_API_KEY: 'k' } });
    assert.ok(plan.services.length > 0, name);
  }
  const plan = loadRecipeText('services:\n  - {service_name: v, service_type: vectordb}\n', 'r.yaml', { registry, env: {} });
  assert.equal(plan.services[0]!.backend, 'chromadb');
  assert.deepEqual(plan.services[0]!.mix, [{ operation: 'search', weight: 1 }]);
});

test('recipe errors: knobs a backend cannot set per search, knobs of another index, unknown operations', () => {
  const svc = (extra: string) => `services:\n  - {service_name: v, service_type: vectordb, ${extra}}\n`;
  assert.match(issuesOf(svc('backend: chromadb, search_params: [{ef_search: 10}]')), /applies ef_search only when it creates the collection/);
  assert.match(issuesOf(svc('backend: faiss, index_factory: HNSW32, nprobe: 4')), /nprobe applies to IVF indexes/);
  assert.match(issuesOf(svc('backend: faiss, index_factory: "IVF64,Flat", search_params: [{ef_search: 10}]')), /cannot set ef_search per search/);
  assert.match(issuesOf(svc('backend: pgvector, index: ivfflat, ef_search: 10')), /ef_search applies to index: hnsw/);
  assert.match(issuesOf(svc('backend: faiss, operation_mix: {search_filtered: 1}')), /search_filtered/);
  assert.match(issuesOf(svc('backend: pgvector, search_params: [{ef_search: 10}], operation_mix: {search@ef_search=20: 1}')), /search@ef_search=10/);
  assert.match(issuesOf(svc('backend: pgvector, num_vectors: 5, search_k: 10')), /search_k \(10\) is larger than num_vectors/);
  assert.equal(issuesOf(svc('backend: pgvector, search_params: [{ef_search: 10}], operation_mix: {search@ef_search=10: 1}')), '');
});

test('a run end to end: recall in every search row of metrics.db; a concurrency sweep gives one step per level', async () => {
  const text = `
benchmark: {name: vec-e2e}
services:
  - service_name: flat-mix
    service_type: vectordb
    backend: faiss
    dimension: 16
    num_vectors: 500
    num_queries: 50
    cache_dir: ${CACHE_DIR}
    operation_mix: {search: 0.5, insert: 0.2, update: 0.1, delete: 0.1, get: 0.1}
    load: {clients: 2, requests: 200}
  - service_name: flat-sweep
    service_type: vectordb
    backend: faiss
    dimension: 16
    num_vectors: 500
    num_queries: 50
    cache_dir: ${CACHE_DIR}
    load: {mode: closed, sweep: {clients: [1, 3], step_duration: 500ms}}
`;
  const plan = loadRecipeText(text, join(dir, 'recipe.yaml'), { registry, env: {} });
  const store = new MetricsStore(join(dir, 'metrics.db'));
  const clock = systemClock();
  store.beginRun({ benchmarkId: 'vec_e2e', name: plan.name, description: undefined, recipeFile: 'recipe.yaml', recipeText: plan.redactedText, recipeHash: plan.recipeHash, provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  const result = await runBenchmark(plan, { benchmarkId: 'vec_e2e', registry, store, clock, log: quiet, stop: signal(), maxWorkers: 1, sequential: true });
  store.finishRun(result.status, clock.now());
  try {
    assert.equal(result.status, 'complete', JSON.stringify(result.services));
    const rows = store.db.prepare(`SELECT operation, success, extra FROM metrics WHERE service_name = 'flat-mix'`).all() as { operation: string; success: number; extra: string | null }[];
    assert.equal(rows.length, 200);
    assert.ok(rows.every((r) => r.success === 1));
    const searches = rows.filter((r) => r.operation === 'search');
    assert.ok(searches.length > 50);
    for (const r of searches) {
      const extra = JSON.parse(r.extra!) as { recall: number; engine_ms: number };
      assert.equal(extra.recall, 1, 'a flat index is exact, also while the mix changes it');
      assert.ok(extra.engine_ms > 0);
    }
    const steps = store.db.prepare(`SELECT DISTINCT service_name FROM metrics WHERE service_name LIKE 'flat-sweep@%' ORDER BY 1`).all() as { service_name: string }[];
    assert.deepEqual(steps.map((s) => s.service_name), ['flat-sweep@clients=1', 'flat-sweep@clients=3']);
  } finally {
    store.close();
  }
});
