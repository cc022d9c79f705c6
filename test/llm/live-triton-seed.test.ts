// The seed's Triton service (model: resnet50, no operation, no inputs) against a real Triton
// Inference Server: PyTriton's tritonserver with the model server of the live LLM tests
// (test/fixtures/servers/triton_models.py, from scripts/servers/pytriton.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { liveTool, notRun } from '../helpers/live.js';
import { freePort } from '../monitoring/helpers.js';
import { adapterFor, runOps, setupCtx } from '../helpers/llm.js';

const MODELS = join(repoRoot, 'test', 'fixtures', 'servers', 'triton_models.py');
const READY_MS = 180_000;

test("seed's resnet50 Triton service on a real Triton: infer with the model's metadata, batch_size as the batch; an LLM keeps generate_stream", async (t) => {
  const python = liveTool('pytriton-python');
  if (!python) return notRun(t, 'PyTriton is not installed (scripts/servers/pytriton.sh)');
  if (!existsSync(MODELS)) return notRun(t, `the Triton model server ${MODELS} is not in this checkout`);
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  let log = '';
  // Its own process group: PyTriton starts tritonserver and one stub per model.
  const child = spawn(python, [MODELS, '--http-port', String(http), '--grpc-port', String(grpc), '--metrics-port', String(metrics)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  t.after(async () => {
    const group = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // Already gone.
      }
    };
    group('SIGTERM');
    const timer = setTimeout(() => group('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    group('SIGKILL');
  });
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + READY_MS;
  // The server is ready before PyTriton has loaded the models, and not while it loads them.
  const ok = (path: string) => fetch(`${url}${path}`).then((r) => r.ok, () => false);
  const ready = async () => (await ok('/v2/models/resnet50/ready')) && (await ok('/v2/models/llm_stream/ready')) && (await ok('/v2/health/ready'));
  while (!(await ready())) {
    if (child.exitCode !== null) assert.fail(`the Triton model server exited:\n${log}`);
    if (Date.now() > deadline) assert.fail(`Triton not ready after ${READY_MS / 1000}s:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const count = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('model="resnet50"'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  const resnet = await adapterFor(`service_type: triton
service_url: ${url}
model: resnet50
batch_size: 4`);
  await resnet.adapter.setup(setupCtx());
  assert.deepEqual(resnet.adapter.resolvedMix?.(), [{ operation: 'infer', weight: 1 }]);
  const before = await count('nv_inference_count');
  const results = await runOps(resnet.adapter, 'infer', 3);
  await resnet.adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });
  assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
  assert.equal((await count('nv_inference_count')) - before, 12, 'three requests of 4 images each');

  const llm = await adapterFor(`service_type: triton
service_url: ${url}
model: llm_stream
max_tokens: 4`);
  await llm.adapter.setup(setupCtx());
  assert.equal(llm.adapter.resolvedMix?.(), undefined, 'a decoupled text model keeps generate_stream');
  const [r] = await runOps(llm.adapter, 'generate_stream', 1);
  await llm.adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });
  assert.ok(r!.ok, r!.message);
});
