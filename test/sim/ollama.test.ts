import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLlmSimulator, type LlmSimulator } from '../../src/sim/llm/server.js';
import { countTokens } from '../../src/sim/llm/tokenizer.js';
import { get, postJson, postStream, words } from './helpers.js';

const FINAL_FIELDS = ['total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration'];

describe('Ollama protocol', () => {
  let sim: LlmSimulator;
  before(async () => {
    sim = await startLlmSimulator({ models: ['llama2'], decode_ms: 2, jitter: 0, ignore_eos: true });
  });
  after(() => sim.close());

  test('/api/generate streams NDJSON lines and ends with a done line carrying the counts and durations', async () => {
    const r = await postStream(`${sim.url}/api/generate`, { model: 'llama2', prompt: 'Why is the sky blue?', options: { num_predict: 5 } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/x-ndjson');
    const lines = r.lines.map((l) => JSON.parse(l.text));
    assert.equal(lines.length, 6);
    for (const l of lines.slice(0, -1)) {
      assert.equal(l.model, 'llama2');
      assert.equal(l.done, false);
      assert.ok(!Number.isNaN(Date.parse(l.created_at)));
      assert.equal(words(l.response), 1);
    }
    const last = lines.at(-1);
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'length');
    assert.equal(last.response, '');
    for (const f of FINAL_FIELDS) assert.ok(Number.isInteger(last[f]) && last[f] >= 0, `${f} is a non-negative integer`);
    assert.equal(last.eval_count, 5);
    assert.equal(last.prompt_eval_count, countTokens('Why is the sky blue?'));
    // Durations are nanoseconds: five 2 ms steps take about 10 ms.
    assert.ok(last.total_duration > 5e6 && last.total_duration < 5e8, `total_duration ${last.total_duration}`);
    assert.ok(last.eval_duration <= last.total_duration);
  });

  test('/api/chat streams message pieces; stream:false gives one JSON', async () => {
    const r = await postStream(`${sim.url}/api/chat`, {
      model: 'llama2:latest',
      messages: [{ role: 'user', content: 'hello' }],
      options: { num_predict: 3 },
    });
    const lines = r.lines.map((l) => JSON.parse(l.text));
    assert.deepEqual(lines.slice(0, -1).map((l) => l.message.role), ['assistant', 'assistant', 'assistant']);
    assert.equal(lines.at(-1).done, true);
    assert.equal(lines.at(-1).message.content, '');

    const one = await postJson(`${sim.url}/api/chat`, { model: 'llama2', messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 4 } });
    assert.equal(one.status, 200);
    assert.equal(one.json.done, true);
    assert.equal(words(one.json.message.content), 4);
    assert.equal(one.json.eval_count, 4);
    for (const f of FINAL_FIELDS) assert.equal(typeof one.json[f], 'number');
  });

  test('/api/tags, /api/version, unknown models and an empty prompt', async () => {
    const tags = JSON.parse((await get(`${sim.url}/api/tags`)).text);
    assert.deepEqual(tags.models.map((m: { name: string }) => m.name), ['llama2:latest']);
    const v = JSON.parse((await get(`${sim.url}/api/version`)).text);
    assert.match(v.version, /^\d+\.\d+\.\d+$/);
    const missing = await postJson(`${sim.url}/api/generate`, { model: 'mistral', prompt: 'x' });
    assert.equal(missing.status, 404);
    assert.match(missing.json.error, /mistral/);
    const load = await postJson(`${sim.url}/api/generate`, { model: 'llama2' });
    assert.equal(load.json.done_reason, 'load');
  });
});

describe('Ollama failures', () => {
  test('a cut stream ends without a done line', async () => {
    const sim = await startLlmSimulator({ decode_ms: 1, jitter: 0, midstream_error_rate: 1 });
    try {
      const r = await postStream(`${sim.url}/api/generate`, { model: 'sim-llm', prompt: 'x', options: { num_predict: 8, ignore_eos: true } });
      assert.ok(r.error, 'the connection broke');
      const lines = r.lines.map((l) => JSON.parse(l.text));
      assert.ok(lines.length >= 1 && lines.every((l) => l.done === false));
      assert.equal(sim.truth(String(r.headers['x-sim-request-id']))?.outcome, 'midstream_error');
    } finally {
      await sim.close();
    }
  });
});
