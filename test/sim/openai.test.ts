import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLlmSimulator, type LlmSimulator } from '../../src/sim/llm/server.js';
import { countTokens } from '../../src/sim/llm/tokenizer.js';
import { get, postJson, postStream, sseData, words } from './helpers.js';

describe('OpenAI-compatible protocol (vLLM)', () => {
  let sim: LlmSimulator;
  before(async () => {
    sim = await startLlmSimulator({ models: ['opt', 'llama'], decode_ms: 2, prefill_ms_per_token: 0.01, jitter: 0 });
  });
  after(() => sim.close());

  test('streamed completion: text chunks, finish_reason on the last, usage chunk, then [DONE]', async () => {
    const prompt = 'Tell me, briefly, about HPC clusters.';
    const r = await postStream(`${sim.url}/v1/completions`, {
      model: 'opt',
      prompt,
      max_tokens: 7,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    const data = sseData(r.lines).map((l) => l.text);
    assert.equal(data.at(-1), '[DONE]');
    const events = data.slice(0, -1).map((d) => JSON.parse(d));
    const usage = events.at(-1);
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(usage.usage, { prompt_tokens: countTokens(prompt), completion_tokens: 7, total_tokens: countTokens(prompt) + 7 });
    const content = events.slice(0, -1);
    assert.equal(content.length, 7);
    for (const e of content) {
      assert.equal(e.object, 'text_completion');
      assert.equal(e.model, 'opt');
      assert.equal(e.id, `cmpl-${r.headers['x-sim-request-id']}`);
      assert.equal(typeof e.choices[0].text, 'string');
    }
    assert.deepEqual(content.map((e) => e.choices[0].finish_reason), [null, null, null, null, null, null, 'length']);
    assert.equal(words(content.map((e) => e.choices[0].text).join('')), 7);
  });

  test('streamed chat: a role-only first chunk, delta.content after, no usage unless asked', async () => {
    const r = await postStream(`${sim.url}/v1/chat/completions`, {
      model: 'llama',
      messages: [{ role: 'user', content: 'Hello there' }],
      max_tokens: 4,
      ignore_eos: true,
      stream: true,
    });
    assert.equal(r.status, 200);
    const data = sseData(r.lines).map((l) => l.text);
    assert.equal(data.at(-1), '[DONE]');
    const events = data.slice(0, -1).map((d) => JSON.parse(d));
    assert.equal(events.length, 5);
    assert.equal(events[0].object, 'chat.completion.chunk');
    assert.equal(events[0].choices[0].delta.role, 'assistant');
    assert.ok(!events[0].choices[0].delta.content, 'the role chunk carries no text');
    for (const e of events.slice(1)) {
      assert.equal(e.choices[0].delta.role, undefined);
      assert.equal(words(e.choices[0].delta.content), 1);
      assert.equal(e.usage, undefined);
    }
    assert.equal(events.at(-1).choices[0].finish_reason, 'length');
    assert.equal(events[1].id, `chatcmpl-${r.headers['x-sim-request-id']}`);
  });

  test('non-streaming completion and chat carry text, finish_reason and usage', async () => {
    const c = await postJson(`${sim.url}/v1/completions`, { model: 'opt', prompt: 'a b c', max_tokens: 5, ignore_eos: true });
    assert.equal(c.status, 200);
    assert.equal(c.json.object, 'text_completion');
    assert.equal(words(c.json.choices[0].text), 5);
    assert.equal(c.json.choices[0].finish_reason, 'length');
    assert.deepEqual({ ...c.json.usage, prompt_tokens_details: undefined }, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, prompt_tokens_details: undefined });

    const ch = await postJson(`${sim.url}/v1/chat/completions`, {
      model: 'llama',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      max_completion_tokens: 3,
      ignore_eos: true,
    });
    assert.equal(ch.status, 200);
    assert.equal(ch.json.object, 'chat.completion');
    assert.equal(ch.json.choices[0].message.role, 'assistant');
    assert.equal(words(ch.json.choices[0].message.content), 3);
    assert.equal(ch.json.usage.completion_tokens, 3);
  });

  test('without ignore_eos the length is a seeded draw within max_tokens, reported as stop or length', async () => {
    const eos = await startLlmSimulator({ decode_ms: 1, mean_output_tokens: 20, jitter: 0 });
    try {
      const all = await Promise.all(
        Array.from({ length: 12 }, () => postJson(`${eos.url}/v1/completions`, { prompt: 'x', max_tokens: 30 })),
      );
      const seen = new Set<string>();
      for (const c of all) {
        const n = c.json.usage.completion_tokens;
        const finish = c.json.choices[0].finish_reason;
        assert.ok(n >= 1 && n <= 30);
        assert.equal(words(c.json.choices[0].text), n);
        if (finish === 'length') assert.equal(n, 30);
        seen.add(finish);
      }
      assert.ok(seen.has('stop'), 'some requests end on EOS');
      assert.ok(new Set(all.map((c) => c.json.usage.completion_tokens)).size > 3, 'lengths vary');
    } finally {
      await eos.close();
    }
  });

  test('the same seed and prompt give the same text', async () => {
    const body = { model: 'opt', prompt: 'same prompt', max_tokens: 6, ignore_eos: true, seed: 42 };
    const a = await postJson(`${sim.url}/v1/completions`, body);
    const b = await postJson(`${sim.url}/v1/completions`, body);
    assert.equal(a.json.choices[0].text, b.json.choices[0].text);
  });

  test('models, health and errors look like vLLM', async () => {
    const models = JSON.parse((await get(`${sim.url}/v1/models`)).text);
    assert.deepEqual(models.data.map((m: { id: string }) => m.id), ['opt', 'llama']);
    assert.equal(models.object, 'list');
    assert.deepEqual(await get(`${sim.url}/health`), { status: 200, text: '' });

    const missing = await postJson(`${sim.url}/v1/completions`, { model: 'gpt-9', prompt: 'x' });
    assert.equal(missing.status, 404);
    assert.match(missing.json.error.message, /gpt-9/);
    assert.equal(sim.truth(String(missing.headers['x-sim-request-id']))?.outcome, 'rejected');

    const tooLong = await postJson(`${sim.url}/v1/completions`, { model: 'opt', prompt: 'x', max_tokens: 5000 });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.json.error.message, /maximum context length is 4096/);

    const opts = await postJson(`${sim.url}/v1/completions`, { model: 'opt', prompt: 'x', stream_options: { include_usage: true } });
    assert.equal(opts.status, 400);

    const bad = await postJson(`${sim.url}/v1/chat/completions`, { model: 'opt', messages: 'nope' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 400);
  });

  test('/metrics exposes vLLM metric names labelled model_name', async () => {
    const before = await postJson(`${sim.url}/v1/completions`, { model: 'llama', prompt: 'one two three', max_tokens: 4, ignore_eos: true });
    assert.equal(before.status, 200);
    const text = (await get(`${sim.url}/metrics`)).text;
    for (const [name, type] of [
      ['vllm:num_requests_running', 'gauge'],
      ['vllm:num_requests_waiting', 'gauge'],
      ['vllm:prompt_tokens_total', 'counter'],
      ['vllm:generation_tokens_total', 'counter'],
      ['vllm:time_to_first_token_seconds', 'histogram'],
      ['vllm:e2e_request_latency_seconds', 'histogram'],
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
    }
    const value = (re: RegExp) => Number(re.exec(text)?.[1]);
    assert.equal(value(/^vllm:num_requests_running\{model_name="llama"\} (\S+)$/m), 0);
    assert.ok(value(/^vllm:generation_tokens_total\{model_name="llama"\} (\S+)$/m) >= 4);
    const ttftCount = value(/^vllm:time_to_first_token_seconds_count\{model_name="llama"\} (\S+)$/m);
    assert.equal(value(/^vllm:time_to_first_token_seconds_bucket\{model_name="llama",le="\+Inf"\} (\S+)$/m), ttftCount);
    assert.ok(ttftCount >= 1);
    assert.match(text, /^vllm:e2e_request_latency_seconds_sum\{model_name="llama"\} \S+$/m);
  });
});

describe('OpenAI streaming options', () => {
  test('tokens_per_chunk: every chunk carries k tokens (the last one the rest)', async () => {
    const sim = await startLlmSimulator({ decode_ms: 2, tokens_per_chunk: 3, jitter: 0 });
    try {
      const r = await postStream(`${sim.url}/v1/completions`, {
        prompt: 'x',
        max_tokens: 10,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true, continuous_usage_stats: true },
      });
      const events = sseData(r.lines).slice(0, -1).map((l) => JSON.parse(l.text));
      const content = events.filter((e) => e.choices.length > 0);
      assert.deepEqual(content.map((e) => words(e.choices[0].text)), [3, 3, 3, 1]);
      assert.deepEqual(content.map((e) => e.usage.completion_tokens), [3, 6, 9, 10]);
      assert.equal(events.at(-1).usage.completion_tokens, 10);
      const truth = sim.truth(String(r.headers['x-sim-request-id']))!;
      assert.deepEqual(truth.chunks.map((c) => c.tokens), [3, 3, 3, 1]);
    } finally {
      await sim.close();
    }
  });

  test('ping_ms: ": ping" comment lines between data lines', async () => {
    const sim = await startLlmSimulator({ decode_ms: 8, ping_ms: 3, jitter: 0 });
    try {
      const r = await postStream(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 6, ignore_eos: true, stream: true });
      assert.ok(r.lines.some((l) => l.text.startsWith(': ping')), 'pings were sent');
      assert.equal(sseData(r.lines).at(-1)?.text, '[DONE]');
    } finally {
      await sim.close();
    }
  });

  test('error_rate 1: HTTP 500 with an OpenAI error body before any streaming', async () => {
    const sim = await startLlmSimulator({ decode_ms: 1, error_rate: 1 });
    try {
      const r = await postJson(`${sim.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'x' }], stream: true });
      assert.equal(r.status, 500);
      assert.equal(r.json.error.code, 500);
      assert.equal(sim.truth(String(r.headers['x-sim-request-id']))?.outcome, 'injected_error');
      assert.equal(sim.stats().injected_errors, 1);
    } finally {
      await sim.close();
    }
  });

  test('midstream_error_rate 1: the stream is cut after some chunks, without usage or [DONE]', async () => {
    const sim = await startLlmSimulator({ decode_ms: 1, midstream_error_rate: 1, jitter: 0 });
    try {
      const r = await postStream(`${sim.url}/v1/completions`, {
        prompt: 'x',
        max_tokens: 10,
        ignore_eos: true,
        stream: true,
        stream_options: { include_usage: true },
      });
      assert.equal(r.status, 200);
      assert.ok(r.error, 'the client sees a broken connection');
      const data = sseData(r.lines).map((l) => l.text);
      assert.ok(!data.includes('[DONE]'));
      const truth = sim.truth(String(r.headers['x-sim-request-id']))!;
      assert.equal(truth.outcome, 'midstream_error');
      assert.ok(truth.cut_after_chunks! >= 1 && truth.cut_after_chunks! < 10);
      assert.equal(data.length, truth.cut_after_chunks);
    } finally {
      await sim.close();
    }
  });

  test('malformed_rate 1: one line that is not JSON, and the stream goes on to [DONE]', async () => {
    const sim = await startLlmSimulator({ decode_ms: 1, malformed_rate: 1, jitter: 0 });
    try {
      const r = await postStream(`${sim.url}/v1/completions`, { prompt: 'x', max_tokens: 5, ignore_eos: true, stream: true });
      const data = sseData(r.lines).map((l) => l.text);
      assert.equal(data.at(-1), '[DONE]');
      const broken = data.slice(0, -1).filter((d) => {
        try {
          JSON.parse(d);
          return false;
        } catch {
          return true;
        }
      });
      assert.equal(broken.length, 1);
      assert.equal(data.length, 5 + 1 + 1);
      assert.equal(sim.stats().malformed_lines, 1);
    } finally {
      await sim.close();
    }
  });
});
