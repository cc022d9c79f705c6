// Conformance against a real Ollama (scripts/servers/ollama.sh, v0.24.0 built with cgo)
// serving the tiny GGUF through `ollama create`: /api/generate and /api/chat (NDJSON, the
// server's own timing fields), its /v1 OpenAI routes, errors, sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, needTool, notRun } from '../helpers/live.js';
import { startLive } from '../helpers/live-server.js';
import { adapterFor, setupCtx } from '../helpers/llm.js';
import { createRng } from '../../src/util/rng.js';
import type { Adapter } from '../../src/services/contract.js';
import { sendOne } from './live-helpers.js';

const modelfile = join(cacheDir, 'bin', 'ollama-tiny.Modelfile');

async function adapter(t: { after(fn: () => Promise<void>): void }, yaml: string): Promise<Adapter> {
  const { adapter } = await adapterFor(yaml);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  return adapter;
}

test('Ollama (real): generate and chat with eval timings, /v1 routes with usage, errors, sessions', async (t) => {
  const bin = needTool(t, 'ollama', 'scripts/servers/ollama.sh');
  if (!bin) return;
  if (!existsSync(modelfile)) return notRun(t, `${modelfile} is missing (scripts/servers/ollama.sh writes it)`);
  const models = mkdtempSync(join(tmpdir(), 'aifb-ollama-models-'));
  t.after(() => rmSync(models, { recursive: true, force: true }));
  const server = await startLive(t, 'ollama', () => [bin, 'serve'], { http: '/api/version' }, {
    env: (port) => ({ OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_MODELS: models, OLLAMA_NUM_PARALLEL: '2' }),
    readyTimeout: '60s',
  });
  execFileSync(bin, ['create', 'tiny', '-f', modelfile], { env: { ...process.env, OLLAMA_HOST: `127.0.0.1:${server.port}` }, stdio: 'pipe', timeout: 60_000 });
  const port = server.port;
  const rng = createRng(11);
  const native = (extra: string) => `service_type: ollama\nhost: 127.0.0.1\nport: ${port}\nmodel: tiny\n${extra}`;

  await t.test('/api/generate streamed: eval_count is the output, the server\'s durations are kept', async (t) => {
    const a = await adapter(t, native('max_tokens: 12\nprompts: {input_tokens: 30}'));
    for (let i = 0; i < 3; i++) {
      const { result: r, body } = await sendOne(a, 'generate', rng);
      assert.equal(r.ok, true, r.message);
      assert.deepEqual(body.options, { num_predict: 12 });
      const server = r.extra!.server as Record<string, number>;
      assert.equal(r.llm!.outputTokens, server.eval_count);
      assert.ok(server.eval_count! >= 1 && server.eval_count! <= 12);
      assert.ok(server.total_duration_ms! > 0 && server.eval_duration_ms! > 0);
      assert.ok(server.prompt_eval_count! >= 25, `prompt_eval_count ${server.prompt_eval_count}`);
      assert.equal(r.llm!.tokensEstimated, false);
    }
  });

  await t.test('/api/chat, streamed and not', async (t) => {
    for (const stream of [true, false]) {
      const a = await adapter(t, native(`api: chat\nmax_tokens: 8\nstream: ${stream}\nprompts: {input_tokens: 10}`));
      const { result: r } = await sendOne(a, 'chat', rng);
      assert.equal(r.ok, true, r.message);
      assert.ok(r.llm!.outputTokens! >= 1 && r.llm!.outputTokens! <= 8);
      assert.ok((r.extra!.server as Record<string, number>).total_duration_ms! > 0);
    }
  });

  await t.test('multi-turn chat sessions: the prompt Ollama evaluates grows', async (t) => {
    const a = await adapter(t, native('api: chat\nmax_tokens: 6\nprompts: {input_tokens: 10}\nsessions: {turns: 3}'));
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { result: r } = await sendOne(a, 'chat', rng, undefined, 0);
      assert.equal(r.ok, true, r.message);
      counts.push(r.llm!.inputTokens!);
    }
    assert.ok(counts[0]! < counts[2]!, `prompt tokens per turn ${counts.join(', ')}`);
  });

  await t.test('/v1 OpenAI routes: completions and chat streamed with usage', async (t) => {
    const a = await adapter(t, `service_type: openai\nservice_url: http://127.0.0.1:${port}\nmodel: tiny\nmax_tokens: 8\nprompts: {input_tokens: 10}`);
    for (const op of ['completions', 'chat']) {
      const { result: r } = await sendOne(a, op, rng);
      assert.equal(r.ok, true, r.message);
      assert.equal(r.llm!.tokensEstimated, false, 'stream_options.include_usage is honoured');
    }
  });

  await t.test('real error bodies: unknown model 404, an option of the wrong type 500, no model 400', async (t) => {
    const a = await adapter(t, native('max_tokens: 4\nprompts: {input_tokens: 4}'));
    const { result: unknown } = await sendOne(a, 'generate', rng, (b) => ({ ...b, model: 'no-such-model' }));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.errorClass, 'http_4xx');
    assert.match(unknown.message!, /not found/);
    const { result: bad } = await sendOne(a, 'generate', rng, (b) => ({ ...b, options: { num_predict: 'many' } }));
    assert.equal(bad.status, 500, 'Ollama answers a wrongly typed option with 500');
    assert.equal(bad.errorClass, 'http_5xx');
    assert.equal(bad.message, 'option "num_predict" must be of type integer');
    const { result: noModel } = await sendOne(a, 'generate', rng, (b) => ({ ...b, model: '' }));
    assert.equal(noModel.errorClass, 'http_4xx', `${noModel.status} ${noModel.message}`);
  });
});
