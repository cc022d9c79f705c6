// `tokenizer:` against a real llama-server (scripts/servers/llama-cpp.sh) serving the tiny
// GGUF, whose tokenizer folder scripts/servers/tiny-gguf.py writes beside it: the counts
// aifb makes with tokenizers.js are the server's own, and a run's prompts have exactly the
// asked length in the server's usage. This tokenizer adds no BOS (add_bos_token: false,
// no post-processor), so the server's prompt_tokens is the asked length itself; a model
// whose tokenizer adds a BOS reports one more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cacheDir, needTool, notRun } from '../helpers/live.js';
import { startLive } from '../helpers/live-server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { loadTokenCounter } from '../../src/services/llm/common/tokenizer.js';
import type { Report } from '../../src/report/types.js';

const model = join(cacheDir, 'tiny-gguf', 'tiny.gguf');
const tokenizer = join(cacheDir, 'tiny-gguf', 'tokenizer');

const TEXTS = [
  'the data model token',
  'Hello, World! 12345 ünïcode — “quotes” and\ttabs\nnew lines',
  'latencyyyy throughput:GPU/CPU 3.14159 😀 <|im_end|> literal',
  '   leading and trailing spaces   ',
];

test('tokenizer (real llama-server): tokenizers.js counts as the server does; prompts of the asked length, prompt_tokens = input_tokens (no BOS)', async (t) => {
  const bin = needTool(t, 'llama-server', 'scripts/servers/llama-cpp.sh');
  if (!bin) return;
  if (!existsSync(model) || !existsSync(join(tokenizer, 'tokenizer.json'))) return notRun(t, `${model} or its tokenizer is missing (scripts/servers/llama-cpp.sh makes them)`);
  const server = await startLive(t, 'llama-tok', (port) => [bin, '-m', model, '--host', '127.0.0.1', '--port', String(port),
    '-c', '2048', '--parallel', '2', '-t', '1', '--no-warmup'], { http: '/health' });

  const counter = await loadTokenCounter(tokenizer);
  for (const content of TEXTS) {
    const r = await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content, add_special: false }) });
    const ids = ((await r.json()) as { tokens: number[] }).tokens;
    assert.equal(counter.count(content), ids.length, `${JSON.stringify(content)}: tokenizers.js and llama.cpp agree`);
  }

  const dir = tempDir(t);
  writeFileSync(join(dir, 'prompts.jsonl'), TEXTS.map((prompt) => JSON.stringify({ prompt })).join('\n') + '\n');
  const service = (name: string, prompts: string) =>
    `  - service_name: ${name}\n    service_type: openai\n    service_url: ${server.url}\n    model: tiny\n    api: completions\n` +
    `    max_tokens: 4\n    ignore_eos: true\n    tokenizer: ${tokenizer}\n    prompts: ${prompts}\n    duration: 2s\n    load: {clients: 2, requests: 8}\n`;
  writeFileSync(join(dir, 'r.yaml'), `services:\n${service('synthetic', '{input_tokens: {mean: 60, stdev: 20, min: 5, max: 120}, prefix: {groups: 2, tokens: 9}}')}${service('file', '{file: prompts.jsonl}')}`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--sequential'], { cwd: dir });
  assert.equal(res.code, 0, res.stdout + res.stderr);

  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  const rows = db.prepare("SELECT input_tokens FROM metrics WHERE service_name = 'synthetic' AND success = 1").all() as { input_tokens: number }[];
  db.close();
  assert.ok(rows.length >= 4, `${rows.length} requests`);
  // The lengths are drawn per prompt (mean 60, clipped 5…120) plus the 9-token prefix; the
  // server counts each, and none is off the grid aifb asked for.
  for (const r of rows) assert.ok(r.input_tokens >= 14 && r.input_tokens <= 129, `prompt_tokens ${r.input_tokens}`);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  assert.deepEqual(report.services.synthetic!.llm!.token_sources, { input: { server: rows.length }, output: { server: rows.length } });
  assert.equal(report.services.file!.llm!.tokens_estimated_requests, 0);
});

test('tokenizer (real llama-server): a fixed input_tokens is the server\'s prompt_tokens exactly, with and without a prefix', async (t) => {
  const bin = needTool(t, 'llama-server', 'scripts/servers/llama-cpp.sh');
  if (!bin) return;
  if (!existsSync(model) || !existsSync(join(tokenizer, 'tokenizer.json'))) return notRun(t, `${model} or its tokenizer is missing (scripts/servers/llama-cpp.sh makes them)`);
  const server = await startLive(t, 'llama-tok2', (port) => [bin, '-m', model, '--host', '127.0.0.1', '--port', String(port),
    '-c', '2048', '--parallel', '2', '-t', '1', '--no-warmup'], { http: '/health' });
  const dir = tempDir(t);
  const service = (name: string, prompts: string) =>
    `  - service_name: ${name}\n    service_type: openai\n    service_url: ${server.url}\n    model: tiny\n    api: completions\n` +
    `    max_tokens: 2\n    ignore_eos: true\n    tokenizer: ${tokenizer}\n    prompts: ${prompts}\n    duration: 2s\n    load: {clients: 1, requests: 5}\n`;
  writeFileSync(join(dir, 'r.yaml'), `services:\n${service('plain', '{input_tokens: 256}')}${service('prefixed', '{input_tokens: 100, prefix: {groups: 1, tokens: 28}}')}`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--sequential'], { cwd: dir });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  const counts = (s: string) => (db.prepare('SELECT input_tokens AS n FROM metrics WHERE service_name = ? AND success = 1').all(s) as { n: number }[]).map((r) => r.n);
  const plain = counts('plain');
  const prefixed = counts('prefixed');
  db.close();
  assert.ok(plain.length >= 3 && prefixed.length >= 3);
  assert.deepEqual(plain, plain.map(() => 256), 'usage.prompt_tokens = 256 asked');
  assert.deepEqual(prefixed, prefixed.map(() => 128), 'prefix 28 + 100');
});
