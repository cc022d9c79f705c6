// Recipes written the seed's way (test/fixtures/seed-recipes/) run with `aifb run` against
// real local servers (PostgreSQL, s3rver, ChromaDB, the file system) and the LLM simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { postgresFor, PG_BIN } from '../helpers/postgres-server.js';
import { startS3Server, S3RVER_KEYS } from '../helpers/s3-server.js';
import { startChroma, type ChromaServer } from '../helpers/chroma-server.js';
import { notRun } from '../helpers/live.js';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import type { Report } from '../../src/report/types.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'seed-recipes');

async function runFixture(t: { after(fn: () => void): void }, name: string, env: Record<string, string>): Promise<Report & { out: string }> {
  const dir = tempDir(t);
  const res = await runCli(['run', join(fixtures, name), '--out', join(dir, 'out'), '--quiet'], { cwd: dir, env });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  const out = join(dir, 'out');
  const file = readdirSync(out).find((f) => f.endsWith('_report.json'));
  assert.ok(file, `no report in ${out}`);
  return { ...(JSON.parse(readFileSync(join(out, file), 'utf8')) as Report), out };
}

/**
 * The service ran only operations of its mix, and most of them: a 10 % operation may not
 * come up in the few dozen requests of a 2 s run on a loaded machine, so at least all but one.
 */
function assertOperations(report: Report, name: string, expected: string[]): void {
  const ops = report.services[name]!.operations;
  const counts = JSON.stringify(Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, v.requests.total])));
  const ran = Object.keys(ops);
  assert.ok(ran.every((op) => expected.includes(op)), `${name} ran an operation outside ${expected.join(', ')}: ${counts}`);
  assert.ok(ran.length >= Math.max(1, expected.length - 1), `${name}: ${counts}`);
}

/** Every service finished, answered, and failed nothing. */
function assertClean(report: Report, names: string[]): void {
  assert.deepEqual(Object.keys(report.services).sort(), [...names].sort(), JSON.stringify(Object.keys(report.services)));
  for (const name of names) {
    const s = report.services[name]!;
    assert.equal(s.status, 'complete', `${name}: ${s.error}`);
    assert.ok(s.requests.total > 0, `${name} made no request`);
    assert.equal(s.requests.failed, 0, `${name}: ${JSON.stringify(s.error_examples)}`);
  }
}

test('seed-file-storage.yml: boolean and YAML 1.1 sync_mode/use_direct_io, the seed\'s size keys, numeric Slurm values', async (t) => {
  const base = tempDir(t);
  for (const d of ['a', 'b', 'c']) mkdirSync(join(base, d));
  const report = await runFixture(t, 'seed-file-storage.yml', { SEED_BASE: base });
  assertClean(report, ['fs-fsync', 'fs-nosync', 'fs-yes']);
  assertOperations(report, 'fs-fsync', ['delete', 'read', 'stat', 'write']);
  assert.equal(report.services['fs-fsync']!.load.mode, 'open');
  assert.equal(report.services['fs-fsync']!.load.requested_rate, 40);
  // logs_dir: the run's log is <logs_dir>/<benchmark id>.log, as the seed wrote it (inside --out here).
  const runLog = readFileSync(join(report.out, 'logs', `${report.benchmark_id}.log`), 'utf8');
  assert.match(runLog, new RegExp(`benchmark ${report.benchmark_id}: 3 service\\(s\\)`));
  assert.match(runLog, /seed: services "fs-fsync", "fs-nosync": requests_per_second is the service's total offered rate/);
});

test('seed-databases.yml: backend postgresql, host/port from service_url, POSTGRES_* credentials, against a real PostgreSQL', async (t) => {
  if (!existsSync(join(PG_BIN, 'postgres'))) return notRun(t, `PostgreSQL is not installed at ${PG_BIN}`);
  const pg = await postgresFor(t);
  const report = await runFixture(t, 'seed-databases.yml', {
    PG_PORT: String(pg.port),
    PG_USER: pg.user,
    PG_PASSWORD: pg.password,
    PG_DATABASE: pg.database,
  });
  assertClean(report, ['postgresql', 'pg-direct']);
  assert.equal(report.services.postgresql!.backend, 'postgres');
  assertOperations(report, 'postgresql', ['delete', 'insert', 'select', 'update']);
});

test('seed-storage.yml: S3 with the seed\'s keys, and MinIO-style credentials from environment with the seed\'s bucket', async (t) => {
  const s3 = await startS3Server(t);
  const report = await runFixture(t, 'seed-storage.yml', { S3_URL: s3.endpoint, S3_KEY: S3RVER_KEYS.access_key, S3_SECRET: S3RVER_KEYS.secret_key });
  assertClean(report, ['minio-s3', 'minio-env']);
  assertOperations(report, 'minio-s3', ['delete', 'get', 'list', 'put']);
});

test('seed-vectordb.yml: ChromaDB with the seed\'s keys, and a vectordb service without backend', async (t) => {
  let chroma: ChromaServer;
  try {
    chroma = await startChroma();
  } catch (err) {
    return notRun(t, `ChromaDB did not start: ${(err as Error).message.slice(0, 200)}`);
  }
  t.after(() => chroma.destroy());
  const report = await runFixture(t, 'seed-vectordb.yml', { CHROMA_PORT: String(chroma.port) });
  assertClean(report, ['chromadb', 'chroma-default']);
  assertOperations(report, 'chromadb', ['delete', 'insert', 'search', 'update']);
});

test('seed-llm.yml: Ollama, vLLM and the seed\'s resnet50 Triton (infer from the model\'s metadata) beside a Triton LLM, on the simulator', async (t) => {
  const sim = await startLlmSimulator({ models: ['llama2', 'facebook/opt-125m', 'ensemble'], decode_ms: 1, jitter: 0, mean_output_tokens: 8 });
  t.after(() => sim.close());
  const report = await runFixture(t, 'seed-llm.yml', { SIM_PORT: String(sim.port), SIM_URL: sim.url });
  assertClean(report, ['ollama-llama2', 'vllm-inference', 'triton-inference', 'triton-llm']);
  assertOperations(report, 'triton-inference', ['infer']);
  assertOperations(report, 'triton-llm', ['generate_stream']);
  // Each infer request carried a batch of 2 images of 3 × 224 × 224 FP32 values.
  const metrics = await (await fetch(`${sim.url}/metrics`)).text();
  const value = (name: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('model="resnet50"'))?.split(' ').pop());
  assert.ok(value('nv_inference_exec_count') >= report.services['triton-inference']!.requests.total);
  assert.equal(value('nv_inference_count'), 2 * value('nv_inference_exec_count'));
});
