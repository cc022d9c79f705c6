import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { adapterFor, runOps, setupCtx } from '../helpers/llm.js';

type Sim = Awaited<ReturnType<typeof startLlmSimulator>>;

async function sim(t: { after(fn: () => Promise<void>): void }, options: Parameters<typeof startLlmSimulator>[0] = {}): Promise<Sim> {
  const s = await startLlmSimulator({ decode_ms: 5, prefill_ms_per_token: 0.01, jitter: 0, seed: 3, ...options });
  t.after(() => s.close());
  return s;
}

test('openai completions (vllm): streamed tokens, usage, and TTFT that matches the simulator', async (t) => {
  const s = await sim(t);
  const { adapter } = await adapterFor(`service_type: vllm
service_url: ${s.url}
model: sim-llm
max_tokens: 20
client_count: 8
prompts: {input_tokens: 50}`);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  await runOps(adapter, 'completions', 8); // opens the 8 connections
  const results = await runOps(adapter, 'completions', 8);
  for (const r of results) {
    assert.equal(r.ok, true, r.message);
    assert.equal(r.llm!.outputTokens, 20, 'ignore_eos makes vLLM produce max_tokens');
    assert.equal(r.llm!.tokensEstimated, false);
    assert.ok(r.llm!.inputTokens! >= 50);
    assert.ok(r.llm!.ttftMs! > 0 && r.llm!.tpotMs! > 0);
    const truth = s.truth(String(r.extra!.request_id));
    assert.ok(truth, 'the request id leads to the simulator truth');
    const trueTtft = truth.first_token_ms! - truth.received_ms;
    // Simulator and client share this process's event loop here, so the server sees each
    // request later than it was sent; the accuracy test (sim in its own process) is strict.
    assert.ok(Math.abs(r.llm!.ttftMs! - trueTtft) < 25, `ttft ${r.llm!.ttftMs} vs true ${trueTtft}`);
    assert.equal(truth.output_tokens, r.llm!.outputTokens);
  }
});

test('openai chat: the role-only first chunk is not a token; k-token chunks give k gaps of g/k', async (t) => {
  const s = await sim(t, { tokens_per_chunk: 4, decode_ms: 8 });
  const { adapter } = await adapterFor(`service_type: openai
service_url: ${s.url}
model: sim-llm
api: chat
ignore_eos: true
max_tokens: 16`);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  const [r] = await runOps(adapter, 'chat', 1);
  assert.equal(r!.ok, true, r!.message);
  assert.equal(r!.llm!.outputTokens, 16);
  const truth = s.truth(String(r!.extra!.request_id))!;
  assert.equal(r!.extra!.chunks, truth.chunks.length, 'one measured chunk per token-bearing chunk sent');
  const itl = r!.extra!.itl as [number, number][];
  // 4 chunks of 4 tokens: the first chunk's 3 extra tokens arrive with the first (gap 0), then 3 chunks × 4 tokens.
  assert.deepEqual(itl.map(([, k]) => k), [3, 4, 4, 4]);
  for (const [gap] of itl.slice(1)) assert.ok(gap > 1.5 && gap < 3.5, `per-token gap ${gap} ms for an 8 ms step of 4 tokens`);
  assert.ok(Math.abs(r!.llm!.tpotMs! - 32 / 15 * 0.75) < 1.5, `tpot ${r!.llm!.tpotMs}`);
});

test('ollama generate and chat: NDJSON stream and the server\'s own eval figures', async (t) => {
  const s = await sim(t, { ignore_eos: true });
  for (const api of ['generate', 'chat'] as const) {
    const { adapter } = await adapterFor(`service_type: ollama
host: 127.0.0.1
port: ${new URL(s.url).port}
model: sim-llm
api: ${api}
max_tokens: 12`);
    await adapter.setup(setupCtx());
    const [r] = await runOps(adapter, api, 1);
    await adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });
    assert.equal(r!.ok, true, r!.message);
    assert.equal(r!.llm!.outputTokens, 12);
    assert.equal(r!.llm!.tokensEstimated, false);
    const server = r!.extra!.server as Record<string, number>;
    assert.equal(server.eval_count, 12);
    assert.ok(server.eval_duration_ms! > 0 && server.total_duration_ms! >= server.eval_duration_ms!);
    assert.ok(server.server_tokens_per_second! > 0);
  }
});

test('triton: generate_stream, generate, and KServe v2 infer with tensors from the recipe', async (t) => {
  const s = await sim(t, { ignore_eos: true });
  const { adapter } = await adapterFor(`service_type: triton
service_url: ${s.url}
model: sim-llm
max_tokens: 10
operation_mix: {generate_stream: 0.5, generate: 0.5}`);
  await adapter.setup(setupCtx());
  for (const op of ['generate_stream', 'generate']) {
    const [r] = await runOps(adapter, op, 1);
    assert.equal(r!.ok, true, r!.message);
    assert.equal(r!.llm!.outputTokens, 10);
    assert.equal(r!.llm!.tokensEstimated, true, 'Triton reports no usage: counts are estimates, flagged');
  }
  await adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });

  const infer = await adapterFor(`service_type: triton
service_url: ${s.url}
model: resnet50
batch_size: 2
inputs: [{name: input, datatype: FP32, shape: [-1, 3, 224, 224]}]`);
  await infer.adapter.setup(setupCtx());
  const [r] = await runOps(infer.adapter, 'infer', 1);
  await infer.adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });
  assert.equal(r!.ok, true, r!.message);
  assert.ok(r!.bytesOut! > 2 * 3 * 224 * 224, 'the tensor went out');
  assert.ok(r!.bytesIn! > 1000 * 2, 'the [2, 1000] output came back');
});

test('failures are classified and each request stands alone: 500s, cut streams, error events, garbage', async (t) => {
  const cases = [
    { options: { error_rate: 1 }, type: 'vllm', op: 'completions', cls: 'http_5xx' },
    { options: { midstream_error_rate: 1 }, type: 'vllm', op: 'completions', cls: 'connection_reset' },
    { options: { midstream_error_rate: 1 }, type: 'triton', op: 'generate_stream', cls: 'server_error' },
    { options: { malformed_rate: 1 }, type: 'vllm', op: 'completions', cls: 'protocol' },
    { options: { malformed_rate: 1 }, type: 'ollama', op: 'generate', cls: 'protocol' },
  ] as const;
  for (const c of cases) {
    const s = await sim(t, { ...c.options, ignore_eos: true });
    const { adapter } = await adapterFor(`service_type: ${c.type}
service_url: ${s.url}
model: sim-llm
client_count: 3
max_tokens: 30`);
    await adapter.setup(setupCtx());
    const results = await runOps(adapter, c.op, 3);
    await adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });
    for (const r of results) {
      assert.equal(r.ok, false, `${c.type} ${JSON.stringify(c.options)} should fail`);
      assert.equal(r.errorClass, c.cls, `${c.type} ${JSON.stringify(c.options)}: ${r.message}`);
    }
  }
});

test('an unreachable server fails in setup with one clear message', async () => {
  const { adapter } = await adapterFor(`service_type: vllm
service_url: http://127.0.0.1:9
model: x`);
  await assert.rejects(adapter.setup(setupCtx()), /vllm server at http:\/\/127\.0\.0\.1:9 is not reachable \(ECONNREFUSED\)/);
  await adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: true });
});
