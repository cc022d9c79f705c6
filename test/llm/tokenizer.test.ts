// `tokenizer:` in an LLM service, through the CLI: a small byte-level BPE tokenizer written
// here with Python's `tokenizers` (in which aifb's prompt words are several tokens each),
// a loopback OpenAI-style server that sends no usage, and the counts checked against the
// Rust tokenizer's own.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../helpers/cli.js';
import { cacheDir, notRun } from '../helpers/live.js';
import type { Report } from '../../src/report/types.js';

/** A Python with the `tokenizers` package (the venv scripts/servers/llama-cpp.sh makes), or undefined. */
function tokenizersPython(): string | undefined {
  const venv = existsSync(cacheDir) ? readdirSync(cacheDir).find((d) => d.startsWith('gguf-venv-')) : undefined;
  const candidates = [venv ? join(cacheDir, venv, 'bin', 'python') : '', 'python3'].filter(Boolean);
  return candidates.find((py) => spawnSync(py, ['-c', 'import tokenizers'], { stdio: 'ignore' }).status === 0);
}

const MAKE_TOKENIZER = `
import sys
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
corpus = ["latency throughput kernel tensor memory server cluster stream", "the of and to in is it"] * 50
trainer = trainers.BpeTrainer(vocab_size=290, special_tokens=["<s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train_from_iterator(corpus, trainer)
tok.save(sys.argv[1] + "/tokenizer.json")
`;

const COUNT = `
import sys, json
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
print(json.dumps([len(tok.encode(t, add_special_tokens=False).ids) for t in json.load(sys.stdin)]))
`;

/** An OpenAI completions server that streams `ANSWER` in three chunks and never sends usage; it keeps each prompt. */
const ANSWER = ['Tensor kern', 'els stream ', 'latency, 42 µs!'];
async function noUsageServer(t: TestContext): Promise<{ url: string; prompts: string[] }> {
  const prompts: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/v1/models') return void res.end('{"data":[{"id":"m"}]}');
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      prompts.push((JSON.parse(body) as { prompt: string }).prompt);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      ANSWER.forEach((text, i) => res.write(`data: ${JSON.stringify({ choices: [{ text, finish_reason: i === ANSWER.length - 1 ? 'length' : null }] })}\n\n`));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, prompts };
}

const reportOf = (dir: string): Report => {
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
};

test('tokenizer: synthetic prompts have exactly their input_tokens, output is counted by it when the server sends no usage, and the report says so', async (t) => {
  const py = tokenizersPython();
  if (!py) return notRun(t, 'no Python with the tokenizers package (scripts/servers/llama-cpp.sh makes one in ~/.cache/aifb)');
  const dir = tempDir(t);
  const tokDir = join(dir, 'tok');
  spawnSync('mkdir', [tokDir]);
  const made = spawnSync(py, ['-c', MAKE_TOKENIZER, tokDir], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const count = (texts: string[]): number[] => {
    const r = spawnSync(py, ['-c', COUNT, tokDir], { input: JSON.stringify(texts), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as number[];
  };
  const server = await noUsageServer(t);
  const recipe = (extra: string) =>
    `services:\n  - service_name: llm\n    service_type: openai\n    service_url: ${server.url}\n    model: m\n    api: completions\n    max_tokens: 8\n` +
    `    duration: 1s\n    load: {clients: 1, requests: 6}\n${extra}`;
  writeFileSync(join(dir, 'tok.yaml'), recipe(`    tokenizer: tok\n    prompts: {input_tokens: 37, prefix: {groups: 2, tokens: 11}}\n`));
  const res = await runCli(['run', 'tok.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.ok(server.prompts.length >= 1);
  // The words are split by this tokenizer: the estimate (one token a word) would be far off.
  const words = server.prompts[0]!.split(' ').length;
  assert.deepEqual(count(server.prompts), server.prompts.map(() => 11 + 37), 'prefix 11 + body 37 tokens, by the Rust tokenizer');
  assert.ok(words < 48, `${words} words make 48 tokens`);
  const [answerTokens] = count([ANSWER.join('')]);
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  const rows = db.prepare('SELECT input_tokens, output_tokens, tokens_estimated, extra FROM metrics WHERE success = 1').all() as { input_tokens: number; output_tokens: number; tokens_estimated: number; extra: string }[];
  db.close();
  assert.ok(rows.length >= 1);
  for (const r of rows) {
    assert.equal(r.input_tokens, 48);
    assert.equal(r.output_tokens, answerTokens, 'the whole answer counted by the tokenizer, not chunk by chunk');
    assert.equal(r.tokens_estimated, 0);
    assert.deepEqual((JSON.parse(r.extra) as { tokens_from: unknown }).tokens_from, { input: 'tokenizer', output: 'tokenizer' });
  }
  const report = reportOf(dir);
  assert.deepEqual(report.services.llm!.llm!.token_sources, { input: { tokenizer: rows.length }, output: { tokenizer: rows.length } });
  assert.equal(report.services.llm!.llm!.tokens_estimated_requests, 0);
  const shown = await runCli(['report', join('out', 'metrics.db')], { cwd: dir });
  assert.match(shown.stdout, new RegExp(`tokens: input from tokenizer \\(${rows.length}\\); output from tokenizer \\(${rows.length}\\)`));

  // Without a tokenizer the same run says its counts are estimates.
  writeFileSync(join(dir, 'est.yaml'), recipe(`    prompts: {input_tokens: 37}\n`));
  const est = await runCli(['run', 'est.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(est.code, 0, est.stdout + est.stderr);
  const sources = reportOf(dir);
  assert.ok(sources.services.llm!.llm!.token_sources, 'every run reports its sources');
});

test('tokenizer: a folder without tokenizer.json, or a broken one, is one positioned error, exit 2', async (t) => {
  const dir = tempDir(t);
  const recipe = (tok: string) => `services:\n  - service_name: llm\n    service_type: openai\n    service_url: http://127.0.0.1:9\n    tokenizer: ${tok}\n`;
  writeFileSync(join(dir, 'missing.yaml'), recipe('nowhere'));
  const a = await runCli(['validate', 'missing.yaml'], { cwd: dir });
  assert.equal(a.code, 2, a.stdout + a.stderr);
  assert.match(a.stderr, /missing\.yaml:5:\d+: .*tokenizer not found: nowhere/);
  assert.doesNotMatch(a.stderr, /\n\s+at /, 'no stack trace');
  writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
  writeFileSync(join(dir, 'broken.yaml'), recipe('.'));
  const b = await runCli(['run', 'broken.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(b.code, 2, b.stdout + b.stderr);
  assert.match(b.stderr, /tokenizer .*tokenizer\.json: not a tokenizer\.json/);
  assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');
});
