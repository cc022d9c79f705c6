// Conformance against a real Triton Inference Server 2.51 (PyPI nvidia-pytriton,
// scripts/servers/pytriton.sh) serving our models (test/fixtures/servers/triton_models.py):
// generate, generate_stream, KServe v2 infer with resnet50's shapes, real error bodies, metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { needTool } from '../helpers/live.js';
import { startLive } from '../helpers/live-server.js';
import { adapterFor, setupCtx } from '../helpers/llm.js';
import { repoRoot } from '../helpers/cli.js';
import { freePort } from '../launch/helpers.js';
import { createRng } from '../../src/util/rng.js';
import type { Adapter } from '../../src/services/contract.js';
import { metricSum, sendOne } from './live-helpers.js';

const script = join(repoRoot, 'test', 'fixtures', 'servers', 'triton_models.py');

async function adapter(t: { after(fn: () => Promise<void>): void }, url: string, extra: string): Promise<Adapter> {
  const { adapter } = await adapterFor(`service_type: triton\nservice_url: ${url}\n${extra}`);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  return adapter;
}

test('Triton (real, PyTriton): generate, generate_stream, infer, error bodies, nv_inference metrics', async (t) => {
  const python = needTool(t, 'pytriton-python', 'scripts/servers/pytriton.sh');
  if (!python) return;
  const grpc = await freePort();
  const metricsPort = await freePort();
  const server = await startLive(t, 'triton', (port) => [python, script, '--http-port', String(port), '--grpc-port', String(grpc), '--metrics-port', String(metricsPort)],
    // PyTriton starts tritonserver empty, then loads the models it binds: the server's own
    // readiness passes before that, so readiness is each model's (and then the server's).
    [...['llm_stream', 'llm', 'resnet50'].map((m) => ({ http: `/v2/models/${m}/ready` })), { http: '/v2/health/ready' }], { readyTimeout: '180s' });
  const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const rng = createRng(5);
  let streamed = 0;

  await t.test('generate_stream on a decoupled model: one SSE event per token, counts estimated (Triton has no usage)', async (t) => {
    const a = await adapter(t, server.url, 'model: llm_stream\nmax_tokens: 10\nignore_eos: true\nprompts: {input_tokens: 20}');
    for (let i = 0; i < 4; i++) {
      const { result: r, body } = await sendOne(a, 'generate_stream', rng);
      assert.equal(r.ok, true, r.message);
      assert.deepEqual(body.parameters, { max_tokens: 10, ignore_eos: true, stream: true });
      assert.equal(r.llm!.outputTokens, 10);
      assert.equal(r.llm!.tokensEstimated, true);
      assert.equal(r.extra!.chunks, 10);
      assert.ok(r.llm!.ttftMs! > 0 && r.llm!.tpotMs! > 0);
      streamed++;
    }
    // Scraped now: Triton also counts as successes the decoupled requests that the client
    // gets as errors below (the model answered; the HTTP front end refused the answers).
    assert.equal(metricSum(await scrape(), 'nv_inference_request_success', 'model="llm_stream"'), streamed);
  });

  await t.test('generate on a non-decoupled model: one response', async (t) => {
    const a = await adapter(t, server.url, 'model: llm\nmax_tokens: 6\nignore_eos: true\nprompts: {input_tokens: 8}');
    const { result: r } = await sendOne(a, 'generate', rng);
    assert.equal(r.ok, true, r.message);
    assert.equal(r.llm!.outputTokens, 6);
  });

  await t.test('infer with resnet50 shapes (FP32 [1,3,224,224] → [1,1000])', async (t) => {
    const a = await adapter(t, server.url, 'model: resnet50\nbatch_size: 1\ninputs: [{name: input, datatype: FP32, shape: [-1, 3, 224, 224]}]\noperation_mix: {infer: 1}');
    for (let i = 0; i < 3; i++) {
      const { result: r } = await sendOne(a, 'infer', rng);
      assert.equal(r.ok, true, r.message);
      assert.ok(r.bytesOut! > 150_528 && r.bytesIn! > 1000);
    }
  });

  await t.test('real error bodies: generate on a decoupled model is HTTP 200 with an error; infer on it 501; a bad parameter 400; an unknown model fails setup', async (t) => {
    const s = await adapter(t, server.url, 'model: llm_stream\nmax_tokens: 3\nprompts: {input_tokens: 4}');
    const { result: many } = await sendOne(s, 'generate', rng);
    assert.equal(many.ok, false);
    assert.equal(many.errorClass, 'server_error');
    assert.match(many.message!, /exactly 1 response/);
    const { result: bad } = await sendOne(s, 'generate_stream', rng, (b) => ({ ...b, parameters: { max_tokens: -1, stream: true } }));
    assert.equal(bad.ok, false);
    assert.equal(bad.errorClass, 'http_4xx');
    assert.match(bad.message!, /max_tokens must be at least 1/);
    const inf = await adapter(t, server.url, 'model: llm_stream\ninputs: [{name: text_input, datatype: BYTES, shape: [1]}]\noperation_mix: {infer: 1}');
    const { result: decoupled } = await sendOne(inf, 'infer', rng);
    assert.equal(decoupled.status, 501);
    assert.equal(decoupled.errorClass, 'http_5xx');
    assert.match(decoupled.message!, /decoupled/);
    const { adapter: unknown } = await adapterFor(`service_type: triton\nservice_url: ${server.url}\nmodel: no_such_model`);
    await assert.rejects(unknown.setup(setupCtx()), /Triton model "no_such_model".*not ready.*HTTP 400/);
    await unknown.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });
  });

  await t.test('/metrics: nv_inference_* per model', async () => {
    const text = await scrape();
    assert.ok(metricSum(text, 'nv_inference_request_success', 'model="llm_stream"') >= streamed);
    assert.ok(metricSum(text, 'nv_inference_request_success', 'model="resnet50"') >= 3);
    // A model's exception in a decoupled stream is not a failure to Triton: it answered.
    assert.match(text, /^nv_inference_request_failure\{model="llm_stream"/m);
    assert.ok(metricSum(text, 'nv_inference_queue_duration_us', 'model="resnet50"') >= 0);
  });
});
