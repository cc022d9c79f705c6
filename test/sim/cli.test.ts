import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { parseSimArgs, serveSim, simCommand } from '../../src/cli/commands/sim.js';
import type { CommandIO } from '../../src/cli/command.js';
import { UsageError } from '../../src/errors.js';
import { countTokens, generateTokens } from '../../src/sim/llm/tokenizer.js';
import { createRng } from '../../src/util/rng.js';

function captureIO(): { io: CommandIO; out: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { io: { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() }, out: () => text };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition reached in time');
}

describe('aifb sim llm', () => {
  test('flags become options; --model repeats', () => {
    const o = parseSimArgs(['llm', '--port', '8123', '--model', 'a', '--model', 'b', '--decode-ms', '12.5', '--max-num-seqs', '4', '--ignore-eos', '--error-rate', '0.1'], '/');
    assert.deepEqual(o, { port: 8123, models: ['a', 'b'], decode_ms: 12.5, max_num_seqs: 4, ignore_eos: true, error_rate: 0.1 });
  });

  test('bad arguments are usage errors', () => {
    assert.throws(() => parseSimArgs(['llm', '--decode-ms', 'fast'], '/'), UsageError);
    assert.throws(() => parseSimArgs(['llm', '--max-num-seqs', '1.5'], '/'), UsageError);
    assert.throws(() => parseSimArgs(['llm', '--error-rate', '2'], '/'), /error_rate/);
    assert.throws(() => parseSimArgs(['llm', '--no-such-flag'], '/'), UsageError);
    assert.throws(() => parseSimArgs([], '/'), UsageError);
    assert.throws(() => parseSimArgs(['vectordb'], '/'), UsageError);
    assert.throws(() => parseSimArgs(['llm', '--stall-ms', '50', '--stall-every-ms', '10'], '/'), /stall_every_ms/);
  });

  test('a YAML config file sets options and flags override it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aifb-sim-'));
    try {
      await writeFile(join(dir, 'sim.yaml'), 'models: [llama2]\ndecode_ms: 30\ntokens_per_chunk: 2\n');
      const o = parseSimArgs(['llm', '--config', 'sim.yaml', '--decode-ms', '5'], dir);
      assert.deepEqual(o, { models: ['llama2'], decode_ms: 5, tokens_per_chunk: 2 });
      await writeFile(join(dir, 'bad.yaml'), 'decode_msec: 30\n');
      assert.throws(() => parseSimArgs(['llm', '--config', 'bad.yaml'], dir), UsageError);
      assert.throws(() => parseSimArgs(['llm', '--config', 'missing.yaml'], dir), UsageError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('serves until stopped, prints its URL, then closes', async () => {
    const { io, out } = captureIO();
    const stop = new AbortController();
    const done = serveSim({ decode_ms: 1 }, io, stop.signal);
    await waitFor(() => /listening on http:\/\/\S+/.test(out()));
    const url = /listening on (http:\/\/\S+)/.exec(out())![1]!;
    const res = await request(`${url}/health`);
    await res.body.text();
    assert.equal(res.statusCode, 200);
    stop.abort();
    assert.equal(await done, 0);
    await assert.rejects(request(`${url}/health`, { reset: true }));
  });

  test('the command stops on SIGTERM and returns 0', async () => {
    const { io, out } = captureIO();
    const done = simCommand.run(['llm', '--port', '0'], io);
    await waitFor(() => out().includes('listening on'));
    process.emit('SIGTERM');
    assert.equal(await done, 0);
    assert.match(out(), /stopped/);
  });
});

describe('toy tokenizer', () => {
  test('words are tokens, long words split every 8 characters, punctuation counts', () => {
    assert.equal(countTokens('Hello, world!'), 4);
    assert.equal(countTokens('  supercalifragilistic  '), 3);
    assert.equal(countTokens(''), 0);
    assert.equal(countTokens('naïve café 42'), 3);
  });

  test('generated text has exactly as many tokens as words', () => {
    const text = generateTokens(createRng(1), 500);
    assert.equal(countTokens(text), 500);
    assert.equal(text.split(' ').filter(Boolean).length, 500);
    assert.ok(text.endsWith(' '));
  });
});
