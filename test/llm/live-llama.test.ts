// Conformance against a real llama.cpp llama-server (scripts/servers/llama-cpp.sh) serving
// the tiny random-weight GGUF: every OpenAI operation aifb sends, real token counts from the
// server's own tokenizer, real error bodies, a restart mid-run, /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, needTool, notRun } from '../helpers/live.js';
import { startLive } from '../helpers/live-server.js';
import { adapterFor, setupCtx } from '../helpers/llm.js';
import { createRng } from '../../src/util/rng.js';
import type { Adapter } from '../../src/services/contract.js';
import { metric, sendOne } from './live-helpers.js';

const model = join(cacheDir, 'tiny-gguf', 'tiny.gguf');
const CTX_PER_SLOT = 512;
const SLOTS = 2;

async function adapter(t: { after(fn: () => Promise<void>): void }, url: string, extra: string): Promise<Adapter> {
  const { adapter } = await adapterFor(`service_type: openai\nservice_url: ${url}\nmodel: tiny\n${extra}`);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  return adapter;
}

test('llama-server (real): completions and chat, streamed and not, usage, ignore_eos, token counts, errors, sessions, restart, /metrics', async (t) => {
  const bin = needTool(t, 'llama-server', 'scripts/servers/llama-cpp.sh');
  if (!bin) return;
  if (!existsSync(model)) return notRun(t, `${model} is missing (scripts/servers/llama-cpp.sh makes it)`);
  const server = await startLive(t, 'llama', (port) => [bin, '-m', model, '--host', '127.0.0.1', '--port', String(port),
    '-c', String(CTX_PER_SLOT * SLOTS), '--parallel', String(SLOTS), '--metrics', '-t', '1', '--no-warmup'], { http: '/health' });
  const tokenize = async (content: string): Promise<number> => {
    const r = await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content }) });
    return ((await r.json()) as { tokens: number[] }).tokens.length;
  };
  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();
  const rng = createRng(7);
  const before = await scrape();
  let predicted = 0;

  await t.test('completions, streamed with usage: exact counts from the server, max_tokens kept with ignore_eos', async (t) => {
    const a = await adapter(t, server.url, 'max_tokens: 12\nignore_eos: true\nprompts: {input_tokens: 40}');
    for (let i = 0; i < 4; i++) {
      const { result: r, body } = await sendOne(a, 'completions', rng);
      assert.equal(r.ok, true, r.message);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(r.llm!.tokensEstimated, false, 'usage came with the stream');
      assert.equal(r.llm!.outputTokens, 12);
      // The server's tokenizer is the truth for the prompt; aifb's prompt words are one token each.
      assert.equal(r.llm!.inputTokens, await tokenize(String(body.prompt)));
      assert.ok(Math.abs(r.llm!.inputTokens! - 40) <= 1, `40 prompt words → ${r.llm!.inputTokens} tokens`);
      assert.ok(r.llm!.ttftMs! > 0 && r.llm!.tpotMs! > 0 && r.extra!.finish_reason === 'length');
      predicted += r.llm!.outputTokens!;
    }
  });

  await t.test('completions and chat, not streamed: usage from the JSON body', async (t) => {
    const a = await adapter(t, server.url, 'max_tokens: 8\nignore_eos: true\nstream: false\nprompts: {input_tokens: 20}');
    for (const op of ['completions', 'chat']) {
      const { result: r, body } = await sendOne(a, op, rng);
      assert.equal(r.ok, true, r.message);
      assert.equal(body.stream, false);
      assert.equal(r.llm!.outputTokens, 8);
      assert.equal(r.llm!.tokensEstimated, false);
      // Chat pays for its template: ChatML's <|im_start|>user\n … <|im_end|>\n<|im_start|>assistant\n.
      if (op === 'chat') assert.ok(r.llm!.inputTokens! > 20, `chat prompt ${r.llm!.inputTokens} tokens`);
      predicted += r.llm!.outputTokens!;
    }
  });

  await t.test('chat streamed, without ignore_eos: the stream ends with a finish_reason and usage', async (t) => {
    const a = await adapter(t, server.url, 'api: chat\nmax_tokens: 16\nprompts: {input_tokens: 10}');
    for (let i = 0; i < 3; i++) {
      const { result: r, body } = await sendOne(a, 'chat', rng);
      assert.equal(r.ok, true, r.message);
      assert.equal(body.ignore_eos, undefined, 'not sent to an openai service unless asked');
      assert.ok(r.llm!.outputTokens! >= 1 && r.llm!.outputTokens! <= 16);
      assert.ok(['length', 'stop'].includes(String(r.extra!.finish_reason)));
      predicted += r.llm!.outputTokens!;
    }
  });

  await t.test('multi-turn sessions: each turn carries the answers, the real prompt grows', async (t) => {
    const a = await adapter(t, server.url, 'api: chat\nmax_tokens: 6\nignore_eos: true\nprompts: {input_tokens: 10}\nsessions: {turns: 3}');
    const inputs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { result: r, body } = await sendOne(a, 'chat', rng, undefined, 0);
      assert.equal(r.ok, true, r.message);
      assert.equal((body.messages as unknown[]).length, 2 * i + 1);
      inputs.push(r.llm!.inputTokens!);
      predicted += r.llm!.outputTokens!;
    }
    assert.ok(inputs[0]! < inputs[1]! && inputs[1]! < inputs[2]!, `prompt tokens per turn ${inputs.join(', ')}`);
  });

  await t.test('real error bodies: context too long and bad parameters are http_4xx with the server\'s message; any model name is accepted', async (t) => {
    const long = await adapter(t, server.url, `max_tokens: 4\nprompts: {input_tokens: ${CTX_PER_SLOT + 100}}`);
    const { result: tooLong } = await sendOne(long, 'completions', rng);
    assert.equal(tooLong.ok, false);
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.errorClass, 'http_4xx');
    assert.match(tooLong.message!, /exceed_context_size_error/);
    const a = await adapter(t, server.url, 'max_tokens: 4\nprompts: {input_tokens: 5}');
    const { result: bad } = await sendOne(a, 'completions', rng, (b) => ({ ...b, temperature: 'hot' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.errorClass, 'http_4xx');
    assert.match(bad.message!, /temperature/);
    const { result: anyModel } = await sendOne(a, 'completions', rng, (b) => ({ ...b, model: 'no-such-model' }));
    assert.equal(anyModel.ok, true, 'llama-server serves its one model under any name');
    predicted += anyModel.llm!.outputTokens!;
  });

  await t.test('/metrics: llama.cpp counts the tokens aifb counted', async () => {
    const after = await scrape();
    const delta = metric(after, 'llamacpp:tokens_predicted_total')! - (metric(before, 'llamacpp:tokens_predicted_total') ?? 0);
    assert.equal(delta, predicted);
    assert.notEqual(metric(after, 'llamacpp:requests_processing'), undefined);
  });

  await t.test('a server restarted mid-run: requests while it is down fail as refused connections, the next one after it is back succeeds', async (t) => {
    const a = await adapter(t, server.url, 'max_tokens: 4\nprompts: {input_tokens: 5}');
    assert.equal((await sendOne(a, 'completions', rng)).result.ok, true);
    const during: string[] = [];
    await server.restart(async () => {
      for (let i = 0; i < 3; i++) during.push(String((await sendOne(a, 'completions', rng)).result.errorClass));
    });
    assert.deepEqual(during, ['connection_refused', 'connection_refused', 'connection_refused']);
    const { result: again } = await sendOne(a, 'completions', rng);
    assert.equal(again.ok, true, again.message);
  });
});
