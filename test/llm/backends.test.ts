import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { adapterFor, runOps, setupCtx } from '../helpers/llm.js';
import { watchLoopDelay } from '../helpers/loop-delay.js';

type Sim = Awaited<ReturnType<typeof startLlmSimulator>>;

async function sim(t: { after(fn: () => Promise<void>): void }, options: Parameters<typeof startLlmSimulator>[0] = {}): Promise<Sim> {
  const s = await startLlmSimulator({ decode_ms: 5, prefill_ms_per_token: 0.01, jitter: 0, seed: 3, ...options });
  t.after(() => s.close());
  return s;
}

/** Rounding of the instants compared below (3 decimals) and of the two reads of the monotonic offset. */
const EPS_MS = 0.05;

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
  const loop = watchLoopDelay(t);
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
    // On the host's monotonic clock the client's TTFT holds the simulator's: it was sent
    // before the server received it, and its first token arrived after the server wrote it.
    const sent = r.extra!.sent_monotonic_ms as number;
    const mono = truth.monotonic_offset_ms;
    assert.ok(sent <= truth.received_ms + mono + EPS_MS, `sent ${(truth.received_ms + mono - sent).toFixed(3)} ms after the server received it`);
    assert.ok(sent + r.llm!.ttftMs! >= truth.first_token_ms! + mono - EPS_MS, `first token stamped ${(truth.first_token_ms! + mono - sent - r.llm!.ttftMs!).toFixed(3)} ms before the server wrote it`);
    // What it adds is the request's and the first chunk's way through this process's event
    // loop, which the simulator shares here (the accuracy test, sim in its own process, is
    // strict): small on a quiet machine, as long as the loop's longest turns on a busy one.
    const allowed = 25 + 4 * loop.maxMs();
    assert.ok(r.llm!.ttftMs! - trueTtft < allowed, `ttft ${r.llm!.ttftMs} vs true ${trueTtft} (allowed ${allowed.toFixed(1)} ms more)`);
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
  await runOps(adapter, 'chat', 1); // opens the connection
  const loop = watchLoopDelay(t);
  const [r] = await runOps(adapter, 'chat', 1);
  assert.equal(r!.ok, true, r!.message);
  assert.equal(r!.llm!.outputTokens, 16);
  const truth = s.truth(String(r!.extra!.request_id))!;
  assert.equal(r!.extra!.chunks, truth.chunks.length, 'one measured chunk per token-bearing chunk sent');
  const itl = r!.extra!.itl as [number, number][];
  // 4 chunks of 4 tokens: the first chunk's 3 extra tokens arrive with the first (gap 0), then 3 chunks × 4 tokens.
  assert.deepEqual(itl.map(([, k]) => k), [3, 4, 4, 4]);
  // A chunk g ms after the previous one gives its 4 tokens gaps of g/4: together they span
  // the time from the first token-bearing chunk to the last.
  const ttft = r!.llm!.ttftMs!;
  const e2el = r!.extra!.e2el_ms as number;
  const spanned = itl.slice(1).reduce((sum, [gap, k]) => sum + gap * k, 0);
  assert.ok(Math.abs(spanned - (e2el - ttft)) < EPS_MS, `gaps × tokens ${spanned} ms for ${e2el - ttft} ms from first to last chunk`);
  assert.ok(Math.abs(r!.llm!.tpotMs! - (e2el - ttft) / 15) < 1e-9, `tpot ${r!.llm!.tpotMs}`);
  // Each chunk's arrival (the first token's, then one gap × 4 tokens after another) on the
  // host's monotonic clock: never before the simulator wrote that chunk, and after it by no
  // more than one way through the event loop the simulator shares here. So each per-token
  // gap is the simulator's own gap between those chunks (8 ms on a quiet machine; less when
  // it caught up on a late step), divided by 4, within that allowance.
  const mono = truth.monotonic_offset_ms;
  const allowed = 1.5 + 2 * loop.maxMs();
  let arrival = (r!.extra!.sent_monotonic_ms as number) + ttft;
  truth.chunks.forEach((c, i) => {
    if (i > 0) {
      const [gap, k] = itl[i]!;
      arrival += gap * k;
      const written = c.t_ms - truth.chunks[i - 1]!.t_ms;
      assert.ok(Math.abs(gap - written / 4) <= (allowed + EPS_MS) / 4, `per-token gap ${gap} ms for a chunk of 4 tokens written ${written.toFixed(3)} ms after the last (allowed ±${(allowed / 4).toFixed(2)})`);
    }
    const late = arrival - (c.t_ms + mono);
    assert.ok(late >= -EPS_MS, `chunk ${i} stamped ${(-late).toFixed(3)} ms before the simulator wrote it`);
    assert.ok(late <= allowed, `chunk ${i} stamped ${late.toFixed(3)} ms after the simulator wrote it (allowed ${allowed.toFixed(1)})`);
  });
  assert.ok(truth.role_chunk_ms !== undefined && truth.role_chunk_ms <= truth.chunks[0]!.t_ms, 'the simulator sent a role-only chunk first (and the client counted no token for it)');
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
