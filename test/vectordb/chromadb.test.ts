import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChromaClient } from 'chromadb';
import { chromaDefinition } from '../../src/services/vectordb/chromadb/definition.js';
import { CHROMA_NAMES, ownedName } from '../../src/services/vectordb/common/naming.js';
import { startChroma, type ChromaServer } from '../helpers/chroma-server.js';
import { vectorConformance } from './conformance.js';
import { SMALL, closeAdapter, meanRecall, openAdapter } from './helpers.js';

let server: ChromaServer;
let client: ChromaClient;
before(async () => {
  server = await startChroma();
  client = new ChromaClient({ host: server.host, port: server.port });
});
after(() => server?.destroy());

/**
 * The real ChromaDB server (the Rust server in the chromadb npm package). Chroma has no
 * flat index; with ef_search ≥ the number of vectors HNSW's beam holds every reachable
 * vector, so the search is exhaustive: that is the "exact" setting here.
 */
vectorConformance('chromadb', () => ({
  def: chromaDefinition,
  fields: () => ({ service_url: server.url }),
  exact: { ef_search: 2 * SMALL.num_vectors, ef_construction: 200 },
  filter: true,
  nameFor: (service, id) => ownedName(service, id, undefined, CHROMA_NAMES),
  outside: {
    create: async (name) => void (await client.createCollection({ name, embeddingFunction: null })),
    exists: async (name) => (await client.listCollections({ limit: 1000 })).some((c) => c.name === name),
    remove: async (name) => client.deleteCollection({ name }),
  },
}));

test('chromadb HNSW: a small beam misses neighbours, a wide beam finds them (one service per ef_search)', async () => {
  const fields = { service_url: server.url, dimension: 64, num_vectors: 3000, num_queries: 40, clusters: 4, batch_size: 1000, max_neighbors: 8, ef_construction: 40 };
  const recallAt = async (ef: number, name: string) => {
    const a = await openAdapter(chromaDefinition, { ...fields, ef_search: ef }, { search: 1 }, 'bench_1', name);
    try {
      assert.equal((await client.getCollection({ name: a.collection! })).configuration.hnsw?.ef_search, ef);
      return (await meanRecall(a, 'search', 40)).mean;
    } finally {
      await closeAdapter(a);
    }
  };
  const low = await recallAt(10, 'ef10');
  const high = await recallAt(400, 'ef400');
  // Chroma builds its graph on several threads, so recall varies a little run to run:
  // measured over 6 runs, a beam of 10 over 8 neighbours per node finds 0.60–0.68 of the
  // 10 true neighbours and a beam of 400 finds 0.99–1.0. Outside 0.3–0.95 (or a wide
  // beam under 0.95) the index or its settings are not what the recipe asked for.
  assert.ok(low > 0.3 && low < 0.95, `recall at ef_search=10: ${low}`);
  assert.ok(high > low && high > 0.95, `recall at ef_search=400: ${high}`);
});

test('chromadb: an unreachable server is a recipe error naming the URL', async () => {
  await assert.rejects(openAdapter(chromaDefinition, { service_url: 'http://127.0.0.1:9', dimension: 4, num_vectors: 10, num_queries: 2 }), /no server answers at http:\/\/127\.0\.0\.1:9/);
});
