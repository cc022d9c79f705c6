import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { weaviateDefinition } from '../../src/services/vectordb/weaviate/definition.js';
import { WeaviateRest } from '../../src/services/vectordb/weaviate/rest.js';
import { WEAVIATE_NAMES, ownedName } from '../../src/services/vectordb/common/naming.js';
import { createRng } from '../../src/util/rng.js';
import { vectorConformance, type VectorTarget } from './conformance.js';
import { SMALL, closeAdapter, meanRecall, openAdapter, runOp } from './helpers.js';
import { liveTool, needTool } from '../helpers/live.js';
import { WEAVIATE_SPEC, freePorts, launchLive, type LiveServer } from '../helpers/live-servers.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/report/types.js';

// The vector conformance suite on a real weaviate-server (scripts/servers/weaviate.sh),
// started through aifb's local launcher. Skipped as not run when it is not installed.

let server: LiveServer | undefined;
let rest: WeaviateRest | undefined;
before(async () => {
  if (!liveTool('weaviate-server')) return;
  server = await launchLive(WEAVIATE_SPEC, 6);
  rest = new WeaviateRest(server.endpoint, 2, 10_000, undefined);
});
after(async () => {
  await rest?.close();
  await server?.close();
});

const outside: VectorTarget['outside'] = {
  create: async (name) => void (await rest!.call('POST', '/v1/schema', { class: name, vectorizer: 'none', vectorIndexType: 'flat' })),
  exists: async (name) => (await rest!.call('GET', `/v1/schema/${name}`, undefined, [200, 404])).status === 200,
  remove: async (name) => void (await rest!.call('DELETE', `/v1/schema/${name}`, undefined, [200])),
};
const common = {
  def: weaviateDefinition,
  fields: () => ({ service_url: server!.endpoint }),
  filter: true,
  nameFor: (service: string, id: string) => ownedName(service, id, undefined, WEAVIATE_NAMES),
};

if (!liveTool('weaviate-server')) {
  test('weaviate (live server): vector conformance', (t) => void needTool(t, 'weaviate-server'));
} else {
  // A flat class searches every vector: exact by construction.
  vectorConformance('weaviate live, flat', () => ({ ...common, exact: { index: 'flat' }, outside }));
  // HNSW with ef above the number of vectors holds every vector in its beam: exact too.
  vectorConformance('weaviate live, hnsw ef ≥ n', () => ({ ...common, exact: { ef_search: 2 * SMALL.num_vectors }, variant: { ef_search: 4 * SMALL.num_vectors } }));

  // Searches over gRPC (weaviate-client 3.12.1), everything else over REST.
  vectorConformance('weaviate live, flat, searches over grpc', () => ({
    ...common,
    fields: () => ({ service_url: server!.endpoint, protocol: 'grpc', grpc_port: server!.port + 1 }),
    exact: { index: 'flat' },
  }));

  test('weaviate live: gRPC on a port where nothing listens fails setup with one clear message and leaves no class', async () => {
    const fields = { service_url: server!.endpoint, ...SMALL, protocol: 'grpc', grpc_port: server!.port + 3 };
    await assert.rejects(openAdapter(weaviateDefinition, fields, { search: 1 }, 'bench_grpc'), /weaviate: cannot use gRPC at 127\.0\.0\.1:\d+ .*set grpc_port, or protocol: rest/);
    assert.equal(await outside!.exists(ownedName('vec svc', 'bench_grpc', undefined, WEAVIATE_NAMES)), false);
  });

  describe('weaviate live: what the fixture assumes', () => {
    test('an ef_search sweep changes vectorIndexConfig.ef on the class and restores it; recall rises with ef', async () => {
      const a = await openAdapter(weaviateDefinition, { service_url: server!.endpoint, ...SMALL, ef_search: 8, search_params: [{ ef_search: 1200 }] });
      try {
        const cls = a.collection!;
        const ef = async () => ((await rest!.call('GET', `/v1/schema/${cls}`)).body as { vectorIndexConfig: { ef: number } }).vectorIndexConfig.ef;
        assert.equal(await ef(), 8);
        const low = await meanRecall(a, 'search', 20);
        const sweep = await runOp(a, 'search@ef_search=1200', createRng(1));
        assert.equal(sweep.result.ok, true, sweep.result.message);
        assert.equal(await ef(), 1200);
        const high = await meanRecall(a, 'search@ef_search=1200', 20);
        assert.equal(high.mean, 1, 'ef above n is exact');
        assert.ok(low.mean <= high.mean, `recall ${low.mean} at ef 8, ${high.mean} at ef 1200`);
        await runOp(a, 'search', createRng(2));
        assert.equal(await ef(), 8);
      } finally {
        await closeAdapter(a);
      }
    });

    test('a batch answers HTTP 200 with per-object errors; a GraphQL query on a missing class answers 200 with errors', async () => {
      const cls = 'Aifb_shape_probe';
      await rest!.call('POST', '/v1/schema', { class: cls, vectorizer: 'none', vectorIndexType: 'flat' });
      try {
        await rest!.call('POST', '/v1/batch/objects', { objects: [{ class: cls, id: '00000000-0000-4000-8000-000000000001', vector: [1, 2, 3] }] });
        const r = await rest!.call('POST', '/v1/batch/objects', { objects: [{ class: cls, id: '00000000-0000-4000-8000-000000000002', vector: [1, 2] }] });
        const errors = (r.body as { result?: { errors?: { error?: { message: string }[] } } }[])[0]?.result?.errors?.error;
        assert.ok(Array.isArray(errors) && errors.length > 0, JSON.stringify(r.body));
        // aifb starts Weaviate with auto-schema off: an object of an unknown class fails instead of creating it.
        const lost = await rest!.call('POST', '/v1/batch/objects', { objects: [{ class: 'Aifb_never_made', id: '00000000-0000-4000-8000-000000000003', vector: [1, 2, 3] }] });
        assert.ok((lost.body as { result?: { errors?: unknown } }[])[0]?.result?.errors, JSON.stringify(lost.body));
        assert.equal((await rest!.call('GET', '/v1/schema/Aifb_never_made', undefined, [200, 404])).status, 404);
        const g = await rest!.call('POST', '/v1/graphql', { query: '{ Get { Aifb_no_such_class(limit: 1) { _additional { id } } } }' });
        assert.ok(Array.isArray((g.body as { errors?: unknown[] }).errors), JSON.stringify(g.body));
        const miss = await rest!.call('GET', `/v1/objects/${cls}/00000000-0000-4000-8000-000000000009?include=vector`, undefined, [404]);
        assert.equal(miss.status, 404);
      } finally {
        await rest!.call('DELETE', `/v1/schema/${cls}`, undefined, [200]);
      }
    });
  });
}

test('aifb run examples/weaviate.yaml: the local launcher starts weaviate-server, the run loads, sweeps ef and stops it', async (t) => {
  if (!needTool(t, 'weaviate-server')) return;
  const dir = tempDir(t, 'aifb-weaviate-run-');
  const port = await freePorts(6);
  const res = await runCli(['run', join(repoRoot, 'examples/weaviate.yaml'), '--out', 'out', '--quiet'], { cwd: dir, env: { WEAVIATE_PORT: String(port), DURATION: '3s' } });
  assert.equal(res.code, 0, res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const s = (JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report).services.weaviate!;
  assert.equal(s.status, 'complete');
  assert.equal(s.requests.failed, 0);
  const high = s.operations['search@ef_search=128']!.recall!;
  const low = s.operations['search@ef_search=16']!.recall!;
  assert.ok(high.mean >= low.mean && high.mean > 0.99, `recall ${low.mean} at ef 16, ${high.mean} at ef 128`);
  t.diagnostic(`recall@10 ef 16: ${low.mean}, ef 128: ${high.mean}; ${s.requests.total} searches`);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/.well-known/ready`), 'the server is stopped after the run');
});
