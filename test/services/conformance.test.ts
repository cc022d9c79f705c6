// One lifecycle suite that every backend of the catalogue passes, each against its real
// server (or library) as test/helpers starts it; a backend whose server is not installed
// here is "not run", never passed. Per backend, one run of:
//   setup creates only what it owns (everything new on the server carries the run's id,
//   nothing there before is gone), prepare is outside the timed window (each sample's
//   actual start follows its prepare), a cancelled operation settles, and teardown after a
//   failed run leaves the server as it was before setup.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { createClient } from 'redis';
import { ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import type { Adapter } from '../../src/services/contract.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { ServiceRunner } from '../../src/engine/runner.js';
import type { Sample } from '../../src/metrics/sample.js';
import { systemClock } from '../../src/util/clock.js';
import { createRng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { cacheDir, liveTool, notRun } from '../helpers/live.js';
import { startLive } from '../helpers/live-server.js';
import { MINIO_KEYS, MINIO_SPEC, WEAVIATE_SPEC, launchLive } from '../helpers/live-servers.js';
import { startPostgres } from '../helpers/postgres-server.js';
import { startChroma } from '../helpers/chroma-server.js';
import { countingServer } from '../helpers/http-server.js';
import { serviceOf } from '../../src/services/fields.js';

const quiet = createLogger('error', () => {});
const VECTORS = { dimension: 8, num_vectors: 200, num_queries: 10, clusters: 4, search_k: 5, batch_size: 100 };
const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).some((d) => existsSync(join(d, name)));

/** A backend's server as the suite sees it: recipe fields to reach it, and what is on it now. */
interface Target {
  fields: Record<string, unknown>;
  /** Names of everything on the server a benchmark could have made (tables, keys, buckets, files). */
  inventory(): Promise<string[]>;
  /** Whether a new name is the run's own (default: it contains the benchmark id). */
  owns?(name: string, id: string): boolean;
}
/** Backends whose setup makes something the inventory must then show (so the inventory is not blind). */
const CREATES = new Set(['file_storage/posix', 's3 (MinIO)', 'database/postgres', 'vectordb/chromadb', 'vectordb/weaviate', 'keyvalue/redis']);
type Case = { label: string; type: string; backend?: string; start(t: TestContext): Promise<Target | string> };

const tmp = (t: TestContext, prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
};
/** Backends that create nothing outside their own process (an LLM endpoint, an in-memory library). */
const nothing = async () => [];

const CASES: Case[] = [
  {
    label: 'file_storage/posix', type: 'file_storage',
    start: async (t) => {
      const base = tmp(t, 'aifb-conf-fs-');
      return { fields: { base_path: base, initial_files: 4, file_sizes: { '4KB': 1 } }, inventory: async () => readdirSync(base) };
    },
  },
  {
    label: 'http', type: 'http',
    start: async (t) => ({ fields: { url: (await countingServer(t)).url }, inventory: nothing }),
  },
  {
    label: 'llm/openai (llama-server)', type: 'openai',
    start: async (t) => {
      const bin = liveTool('llama-server');
      const model = join(cacheDir, 'tiny-gguf', 'tiny.gguf');
      if (!bin || !existsSync(model)) return 'llama-server or tiny.gguf is not installed (scripts/servers/llama-cpp.sh)';
      const s = await startLive(t, 'llama', (port) => [bin, '-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-t', '1', '--no-warmup'], { http: '/health' });
      return { fields: { service_url: s.url, model: 'tiny', max_tokens: 4, prompts: { input_tokens: 8 } }, inventory: nothing };
    },
  },
  {
    label: 'llm/ollama', type: 'ollama',
    start: async (t) => {
      const bin = liveTool('ollama');
      const modelfile = join(cacheDir, 'bin', 'ollama-tiny.Modelfile');
      if (!bin || !existsSync(modelfile)) return 'ollama or its tiny Modelfile is not installed (scripts/servers/ollama.sh)';
      // Removed only after the server has stopped: node:test runs after-hooks in the order they
      // were added, and a live ollama still writes into its models folder (ENOTEMPTY in CI).
      const models = mkdtempSync(join(tmpdir(), 'aifb-conf-ollama-'));
      const removeModels = () => rmSync(models, { recursive: true, force: true, maxRetries: 5 });
      const s = await startLive(t, 'ollama', () => [bin, 'serve'], { http: '/api/version' }, { env: (port) => ({ OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: models }), readyTimeout: '60s' })
        .catch((e: unknown) => { removeModels(); throw e; });
      t.after(removeModels);
      execFileSync(bin, ['create', 'tiny', '-f', modelfile], { env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${s.port}` }, stdio: 'pipe', timeout: 60_000 });
      return { fields: { host: '127.0.0.1', port: s.port, model: 'tiny', max_tokens: 4, prompts: { input_tokens: 8 } }, inventory: nothing };
    },
  },
  {
    label: 'llm/triton (PyTriton)', type: 'triton',
    start: async (t) => {
      const python = liveTool('pytriton-python');
      if (!python) return 'pytriton is not installed (scripts/servers/pytriton.sh)';
      const { freePort } = await import('../launch/helpers.js');
      const [grpc, metrics] = [await freePort(), await freePort()];
      const script = join(import.meta.dirname, '..', 'fixtures', 'servers', 'triton_models.py');
      const s = await startLive(t, 'triton', (port) => [python, script, '--http-port', String(port), '--grpc-port', String(grpc), '--metrics-port', String(metrics)],
        // PyTriton starts tritonserver empty and then binds its models: each model's readiness, then the server's.
        [...['llm_stream', 'llm', 'resnet50'].map((m) => ({ http: `/v2/models/${m}/ready` })), { http: '/v2/health/ready' }], { readyTimeout: '180s' });
      return { fields: { service_url: s.url, model: 'llm', operation_mix: { generate: 1 }, max_tokens: 4, prompts: { input_tokens: 8 } }, inventory: nothing };
    },
  },
  {
    label: 's3 (MinIO)', type: 's3',
    start: async (t) => {
      if (!liveTool('minio')) return 'minio is not installed (scripts/servers/minio.sh)';
      const m = await launchLive(MINIO_SPEC, 1);
      t.after(() => m.close());
      const s3 = new S3Client({ endpoint: m.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: MINIO_KEYS.access_key, secretAccessKey: MINIO_KEYS.secret_key } });
      t.after(() => s3.destroy());
      const inventory = async () => {
        const out: string[] = [];
        for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
          out.push(`bucket ${b.Name}`);
          for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: b.Name! }))).Contents ?? []) out.push(`${b.Name}/${o.Key}`);
        }
        return out;
      };
      // The bucket is the run's when it created it (it did not exist before).
      return { fields: { endpoint_url: m.endpoint, ...MINIO_KEYS, bucket_name: 'aifb-conf', initial_objects: 4, object_sizes: { '4KB': 1 } }, inventory, owns: (n, id) => n.includes(id) || n === 'bucket aifb-conf' };
    },
  },
  ...(['postgres', 'pglite'] as const).map((backend): Case => ({
    label: `database/${backend}`, type: 'database', backend,
    start: async (t) => {
      if (backend === 'pglite') return { fields: { initial_rows: 20 }, inventory: nothing };
      const s = await startPostgres();
      t.after(() => s.destroy());
      const inventory = async () => {
        const c = new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database });
        await c.connect();
        try {
          return (await c.query<{ n: string }>(`SELECT schemaname || '.' || tablename AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)).rows.map((r) => r.n);
        } finally {
          await c.end();
        }
      };
      return { fields: { host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, initial_rows: 20 }, inventory };
    },
  })),
  {
    label: 'vectordb/chromadb', type: 'vectordb', backend: 'chromadb',
    start: async (t) => {
      const s = await startChroma();
      t.after(() => s.destroy());
      const inventory = async () => {
        const r = await fetch(`${s.url}/api/v2/tenants/default_tenant/databases/default_database/collections`);
        return ((await r.json()) as { name: string }[]).map((c) => c.name);
      };
      return { fields: { host: s.host, port: s.port, ...VECTORS }, inventory };
    },
  },
  {
    label: 'vectordb/weaviate', type: 'vectordb', backend: 'weaviate',
    start: async (t) => {
      if (!liveTool('weaviate-server')) return 'weaviate-server is not installed (scripts/servers/weaviate.sh)';
      const w = await launchLive(WEAVIATE_SPEC, 6);
      t.after(() => w.close());
      const inventory = async () => ((await (await fetch(`${w.endpoint}/v1/schema`)).json()) as { classes?: { class: string }[] }).classes?.map((c) => c.class) ?? [];
      return { fields: { service_url: w.endpoint, ...VECTORS }, inventory, owns: (n, id) => n.toLowerCase().includes(id) };
    },
  },
  { label: 'vectordb/faiss', type: 'vectordb', backend: 'faiss', start: async () => ({ fields: { ...VECTORS }, inventory: nothing }) },
  // pgvector in PGlite (0.8 compiled in): its data directory admits one opener, so the
  // tables are listed only while the adapter does not hold it (before setup, after teardown).
  { label: 'vectordb/pgvector (PGlite)', type: 'vectordb', backend: 'pgvector', start: async (t) => ({ fields: { data_dir: join(tmp(t, 'aifb-conf-pgv-'), 'db'), ...VECTORS }, inventory: nothing }) },
  {
    label: 'keyvalue/redis', type: 'keyvalue', backend: 'redis',
    start: async (t) => {
      if (!onPath('redis-server')) return 'redis-server is not installed (apt-get install -y redis-server; scripts/setup.sh)';
      const r = await launchLive({ name: 'redis', type: 'keyvalue', backend: 'redis', fields: {} }, 1);
      t.after(() => r.close());
      const c = createClient({ socket: { host: '127.0.0.1', port: r.port, reconnectStrategy: false } });
      c.on('error', () => {});
      await c.connect();
      // Registered before the server's stop runs (hooks run last-in first-out is not promised): a closed client is fine.
      t.after(() => void (c.isOpen && c.destroy()));
      await c.set('someone-else', 'kept');
      return { fields: { host: '127.0.0.1', port: r.port, keys: 50, initial_keys: 20 }, inventory: () => c.keys('*') };
    },
  },
];

/** The service as `aifb run` builds it from a recipe: validated, defaulted, its mix resolved. */
function specFor(c: Case, fields: Record<string, unknown>): ServiceSpec {
  const service = { service_name: 'conf svc', service_type: c.type, ...(c.backend ? { backend: c.backend } : {}), ...fields, load: { clients: 1, requests: 5 } };
  return loadRecipeText(JSON.stringify({ services: [service] }), 'conformance.yaml', { registry: builtinRegistry, env: process.env }).services[0]!;
}

/** Runs the service through the engine's runner, noting when each prepare returned. */
async function runTimed(adapter: Adapter, spec: ServiceSpec): Promise<{ samples: Sample[]; prepared: number[] }> {
  const clock = systemClock();
  const prepared: number[] = [];
  const watched: Adapter = Object.assign(Object.create(adapter) as Adapter, {
    prepare: (op: string, rng: Parameters<Adapter['prepare']>[1], client?: number) => {
      const out = adapter.prepare(op, rng, client);
      prepared.push(clock.now());
      return out;
    },
  });
  const samples: Sample[] = [];
  const mix = adapter.resolvedMix?.();
  await new ServiceRunner({ spec: mix ? { ...spec, mix: [...mix] } : spec, adapter: watched, clock, rng: createRng(3), onSample: (s) => samples.push(s), stop: new AbortController().signal, graceMs: 10_000 }).run();
  return { samples, prepared };
}

test('the suite covers every backend of the catalogue', () => {
  const covered = new Set(CASES.map((c) => builtinRegistry.resolve(c.type, c.backend)));
  assert.deepEqual(builtinRegistry.all().filter((d) => !covered.has(d)).map((d) => d.description), []);
});

// The backends run side by side, four at a time: most of each case is waiting for a server
// to start, and one after another they would take over the suite's 90 s budget.
test('conformance: every backend through the lifecycle', { concurrency: 4 }, async (suite) => {
  await Promise.all(CASES.map((c) => suite.test(`${c.label}: setup owns what it creates, prepare is untimed, a cancelled operation settles, teardown after failure restores the server`, async (t) => {
    const t0 = Date.now();
    const target = await c.start(t);
    if (typeof target === 'string') return notRun(t, target);
    const id = `conf${Math.random().toString(36).slice(2, 8)}`;
    const owns = target.owns ?? ((n: string, runId: string) => n.includes(runId));
    const spec = specFor(c, target.fields);
    const def = builtinRegistry.resolve(spec.type, spec.backend)!;
    const before = (await target.inventory()).sort();
    const adapter = (await def.load()).createAdapter(serviceOf(def.fields, spec));
    let tornDown = false;
    t.after(async () => {
      if (!tornDown) await adapter.teardown({ benchmarkId: id, log: quiet, failed: true });
    });
    await adapter.setup({ benchmarkId: id, rng: createRng(1), log: quiet, signal: new AbortController().signal });

    const during = (await target.inventory()).sort();
    assert.deepEqual(before.filter((n) => !during.includes(n)), [], 'setup removed nothing that was there');
    const foreign = during.filter((n) => !before.includes(n) && !owns(n, id));
    assert.deepEqual(foreign, [], `setup created only names of run ${id}`);
    if (CREATES.has(c.label)) assert.ok(during.some((n) => !before.includes(n)), `setup's work shows on the server: ${during.join(', ')}`);

    const { samples, prepared } = await runTimed(adapter, spec);
    assert.equal(samples.length, 5, 'every requested operation was recorded');
    assert.ok(samples.some((s) => s.ok), `some operation succeeded: ${JSON.stringify(samples.map((s) => s.message))}`);
    samples.forEach((s, i) => assert.ok(s.actualStart >= prepared[i]!, `sample ${i} starts after its prepare returned`));
    assert.ok(prepared.every((p) => typeof p === 'number'));

    // A cancelled operation settles (resolves or throws) promptly instead of hanging the run.
    const operation = (adapter.resolvedMix?.() ?? spec.mix)[0]!.operation;
    const op = adapter.prepare(operation, createRng(9));
    const ac = new AbortController();
    const pending = adapter.execute(op, ac.signal).then(() => 'resolved', () => 'rejected');
    setTimeout(() => ac.abort(new DOMException('stopped', 'AbortError')), 1);
    const settled = await Promise.race([pending, new Promise((r) => setTimeout(() => r('hung'), 5000))]);
    assert.notEqual(settled, 'hung', 'a cancelled operation settles within 5 s');
    adapter.release?.(op, undefined);

    tornDown = true;
    await adapter.teardown({ benchmarkId: id, log: quiet, failed: true });
    assert.deepEqual((await target.inventory()).sort(), before, 'after a failed run, teardown leaves the server as it was');
    t.diagnostic(`${c.label}: ${Date.now() - t0} ms`);
  })));
});
