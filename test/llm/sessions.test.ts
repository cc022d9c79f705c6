import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { countTokens, renderChat } from '../../src/sim/llm/tokenizer.js';
import type { Adapter, OperationResult } from '../../src/services/contract.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { createRng, type Rng } from '../../src/util/rng.js';
import { PromptPool } from '../../src/services/llm/common/prompts.js';
import { SessionScripts } from '../../src/services/llm/common/conversations.js';
import { SessionPool } from '../../src/services/llm/common/sessions.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { RecipeError } from '../../src/errors.js';
import { adapterFor, setupCtx } from '../helpers/llm.js';
import { runCli, tempDir } from '../helpers/cli.js';

type Sim = Awaited<ReturnType<typeof startLlmSimulator>>;
type ChatBody = { messages: { role: string; content: string }[] };

async function sim(t: { after(fn: () => Promise<void>): void }, options: Parameters<typeof startLlmSimulator>[0] = {}): Promise<Sim> {
  const s = await startLlmSimulator({ decode_ms: 3, prefill_ms_per_token: 0.01, jitter: 0, seed: 7, ignore_eos: true, ...options });
  t.after(() => s.close());
  return s;
}

/** One request as a closed-loop client sends it: prepare (with the client), execute, classify, release. */
async function send(adapter: Adapter, rng: Rng, client: number | undefined, op = 'chat'): Promise<{ body: ChatBody; r: OperationResult }> {
  const prepared = adapter.prepare(op, rng, client) as { body: Buffer };
  let r: OperationResult;
  try {
    r = await adapter.execute(prepared, new AbortController().signal);
  } catch (err) {
    r = classifyThrown(err, false, false);
  }
  adapter.release?.(prepared, r);
  return { body: JSON.parse(prepared.body.toString()) as ChatBody, r };
}

for (const type of ['openai', 'ollama'] as const) {
  test(`${type} chat sessions: each turn carries the conversation with the answers received, and the prompt grows`, async (t) => {
    const s = await sim(t);
    const where = type === 'openai' ? `service_url: ${s.url}` : `host: 127.0.0.1\nport: ${new URL(s.url).port}`;
    const { adapter } = await adapterFor(`service_type: ${type}
${where}
model: sim-llm
api: chat
max_tokens: 6
prompts: {input_tokens: 20}
sessions: {turns: 3}`);
    await adapter.setup(setupCtx());
    t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
    const rng = createRng(3);
    const sent: { body: ChatBody; r: OperationResult }[] = [];
    for (let i = 0; i < 4; i++) sent.push(await send(adapter, rng, 0));

    const [t1, t2, t3, t4] = sent;
    for (const { r } of sent) assert.equal(r.ok, true, r.message);
    assert.deepEqual(sent.map(({ r }) => r.extra!.turn), [1, 2, 3, 1]);
    const id = t1!.r.extra!.session_id;
    assert.equal(t2!.r.extra!.session_id, id);
    assert.equal(t3!.r.extra!.session_id, id);
    assert.notEqual(t4!.r.extra!.session_id, id, 'after its last turn the client starts a new session');
    assert.equal(t3!.r.extra!.session_end, 'complete');
    assert.equal(t1!.r.extra!.session_end, undefined);

    assert.deepEqual(sent.map(({ body }) => body.messages.map((m) => m.role).join(',')), ['user', 'user,assistant,user', 'user,assistant,user,assistant,user', 'user']);
    // The history holds the answers the server really sent: 6 generated words each.
    const answers = t3!.body.messages.filter((m) => m.role === 'assistant');
    for (const a of answers) assert.equal(a.content.trim().split(' ').length, 6);
    assert.deepEqual(t2!.body.messages.slice(0, 1), t1!.body.messages);
    assert.deepEqual(t3!.body.messages.slice(0, 3), t2!.body.messages);

    // The simulator counts the whole rendered conversation, and reports it as usage.
    const inputs = sent.slice(0, 3).map(({ r }) => r.llm!.inputTokens!);
    for (const [i, { body, r }] of sent.entries()) {
      assert.equal(r.llm!.inputTokens, countTokens(renderChat(body.messages)), `turn ${i + 1}: prompt tokens of the whole conversation`);
      assert.equal(r.llm!.tokensEstimated, false);
    }
    assert.ok(inputs[1]! > inputs[0]! + 6 && inputs[2]! > inputs[1]! + 6, `input tokens grow per turn: ${inputs}`);
  });
}

test('a failed turn is classified, recorded with its session and turn, and the client starts a new session', async (t) => {
  const s = await sim(t, { error_rate: 0.35 });
  const { adapter } = await adapterFor(`service_type: vllm
service_url: ${s.url}
model: sim-llm
api: chat
max_tokens: 4
sessions: {turns: 4}`);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  const rng = createRng(5);
  const rows: OperationResult[] = [];
  for (let i = 0; i < 40; i++) rows.push((await send(adapter, rng, 2)).r);
  const failed = rows.filter((r) => !r.ok);
  assert.ok(failed.length > 3, `some turns failed (${failed.length})`);
  assert.ok(failed.some((r) => (r.extra!.turn as number) >= 2), 'a turn after the first failed too');
  for (const [i, r] of rows.entries()) {
    assert.equal(typeof r.extra!.session_id, 'string', 'every row, failed or not, names its session');
    if (!r.ok) {
      assert.equal(r.errorClass, 'http_5xx');
      assert.equal(r.extra!.session_end, 'failed');
    }
    const next = rows[i + 1];
    if (!next) continue;
    const ended = r.extra!.session_end !== undefined;
    assert.equal(next.extra!.turn, ended ? 1 : (r.extra!.turn as number) + 1);
    assert.equal(next.extra!.session_id === r.extra!.session_id, !ended);
  }
});

test('open loop: an arrival takes the longest-waiting ready session, or starts one; think time is kept; an unsent turn is kept', () => {
  let now = 0;
  const pool = new PromptPool({ input_tokens: 5 }, 8, createRng(1), 16);
  const sessions = new SessionPool(new SessionScripts(undefined, { turns: 3 }, 8, pool), { turns: 3, think_time: '100ms' }, () => now);
  const rng = createRng(2);
  const ok = (): OperationResult => ({ ok: true });
  const a1 = sessions.next(rng, undefined);
  const b1 = sessions.next(rng, undefined);
  assert.notEqual(a1.session, b1.session, 'none waiting: a second session starts');
  now = 10;
  sessions.finish(a1, 'alpha answer', ok());
  now = 20;
  sessions.finish(b1, 'beta answer', ok());
  now = 50;
  const c1 = sessions.next(rng, undefined);
  assert.equal(c1.index, 0, 'within the think time, an arrival starts a new session');
  now = 110;
  const a2 = sessions.next(rng, undefined);
  assert.equal(a2.session, a1.session, 'the first answered session is ready first');
  assert.equal(a2.index, 1);
  assert.deepEqual(a2.messages.slice(0, 2).map((m) => m.content), [a1.prompt.text, 'alpha answer']);
  now = 115;
  const c2 = sessions.next(rng, undefined);
  assert.equal(c2.index, 0, 'b is not ready until 120');
  sessions.finish(c2, '', undefined);
  now = 120;
  const again = sessions.next(rng, undefined);
  assert.equal(again.session, c2.session, 'a turn that was never sent goes out with the next arrival');
  assert.equal(again.index, 0);
  const b2 = sessions.next(rng, undefined);
  assert.equal(b2.session, b1.session);
  assert.equal(b2.index, 1);
  const failed: OperationResult = { ok: false, errorClass: 'timeout' };
  sessions.finish(b2, 'partial', failed);
  assert.equal(failed.extra!.session_end, 'failed');
  assert.equal(failed.pauseAfterMs, undefined, 'no pause in an open loop');
  assert.equal(sessions.waiting, 0, 'a failed session does not come back');
});

test('open loop: readiness is judged at the arrival\'s scheduled start, whether it is prepared early or late', () => {
  let now = 0;
  const pool = new PromptPool({ input_tokens: 5 }, 8, createRng(1), 16);
  const sessions = new SessionPool(new SessionScripts(undefined, { turns: 3 }, 8, pool), { turns: 3, think_time: '100ms' }, () => now);
  const rng = createRng(2);
  const a1 = sessions.next(rng, undefined);
  now = 10;
  sessions.finish(a1, 'alpha answer', { ok: true }); // ready at 110
  // A run behind its schedule prepares, at 130, an arrival due at 90: the session was not
  // ready then, so the arrival starts a new one (its intended start is 90: a turn of a1 sent
  // with it would be 80 ms after the answer, not the think time's 100).
  now = 130;
  const late = sessions.next(rng, undefined, 90 - now);
  assert.equal(late.index, 0, 'not ready at the arrival\'s time: a new session');
  assert.notEqual(late.session, a1.session);
  // Prepared at 100 for an arrival due at 115: the session is ready by then.
  now = 100;
  const early = sessions.next(rng, undefined, 115 - now);
  assert.equal(early.session, a1.session, 'ready at the arrival\'s time, though not yet when prepared');
  assert.equal(early.index, 1);
});

test('closed loop: think time becomes the client\'s pause; max_context_tokens ends a session before it overflows', () => {
  const pool = new PromptPool({ input_tokens: 40 }, 20, createRng(1), 16);
  const sessions = new SessionPool(new SessionScripts(undefined, { turns: 10 }, 20, pool), { turns: 10, think_time: '2s', max_context_tokens: 200 });
  const rng = createRng(2);
  const ends: unknown[] = [];
  let turn = sessions.next(rng, 7);
  for (let i = 0; i < 10; i++) {
    const r: OperationResult = { ok: true };
    sessions.finish(turn, 'word '.repeat(20), r);
    ends.push(r.extra!.session_end);
    if (r.extra!.session_end) break;
    assert.equal(r.pauseAfterMs, 2000);
    assert.ok(turn.prompt.estimatedTokens + turn.prompt.maxTokens <= 200);
    turn = sessions.next(rng, 7);
  }
  // Each turn adds 40 prompt + 20 answer tokens: after three (180), a fourth (+40, +20 asked for) would pass 200.
  assert.deepEqual(ends, [undefined, undefined, 'context']);
  assert.equal(sessions.next(rng, 7).index, 0, 'the client then starts a new session');
});

test('sessions on a single-prompt operation: one positioned recipe error', () => {
  for (const [yaml, re] of [
    ['service_type: vllm\n    api: completions\n    sessions: {turns: 2}', /line 5.*sessions are chat conversations, but operation "completions" of vllm/s],
    ['service_type: ollama\n    sessions: {turns: 2}', /line 4.*operation "generate" of ollama sends a single prompt; use api: chat/s],
    ['service_type: triton\n    sessions: {turns: 2}', /line 4.*triton has no chat endpoint/s],
    ['service_type: openai\n    api: chat\n    sessions: {think_time: 1s}', /line 5.*sessions need turns/s],
  ] as const) {
    let err: unknown;
    try {
      loadRecipeText(`services:\n  - service_name: a\n    ${yaml}\n`, 'r.yaml', { registry: builtinRegistry, env: {} });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RecipeError, String(err));
    const text = err.issues.map((i) => `line ${i.position?.line}: ${i.message}`).join('\n');
    assert.match(text, re);
  }
});

test('ShareGPT sessions replay each conversation\'s user turns, with the answers the server gave', async (t) => {
  const s = await sim(t);
  const dir = tempDir(t);
  const file = join(dir, 'sg.json');
  writeFileSync(file, JSON.stringify([
    { conversations: [{ from: 'system', value: 'be brief' }, { from: 'human', value: 'first question' }, { from: 'gpt', value: 'a b c' }, { from: 'human', value: 'second question' }, { from: 'gpt', value: 'd e' }] },
  ]));
  const { adapter } = await adapterFor(`service_type: openai
service_url: ${s.url}
model: sim-llm
api: chat
prompts: {source: sharegpt, file: ${file}}
sessions: {}`);
  await adapter.setup(setupCtx());
  t.after(() => adapter.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false }));
  const rng = createRng(1);
  const one = await send(adapter, rng, 0);
  const two = await send(adapter, rng, 0);
  assert.deepEqual(one.body.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'first question' }]);
  assert.equal(one.r.llm!.outputTokens, 3, 'max_tokens from the answer that followed in the file');
  assert.deepEqual(two.body.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.equal(two.body.messages[3]!.content, 'second question');
  assert.notEqual(two.body.messages[2]!.content, 'a b c', 'the history holds the answer received, not the file\'s');
  assert.equal(two.r.extra!.session_end, 'complete');
});

test('the CLI validates a sessions recipe on a completions API with exit code 2 and file:line', async () => {
  const res = await runCli(['validate', 'test/fixtures/bad-recipes/17-sessions-need-chat.yaml']);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /17-sessions-need-chat\.yaml:9:\d+: .*sessions are chat conversations/);
});
