import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import type { Report } from '../../src/report/types.js';

test('an LLM run through the CLI: token metrics per row, ITL over every token gap, goodput under the SLOs', async (t) => {
  const sim = await startLlmSimulator({ decode_ms: 4, prefill_ms_per_token: 0.01, jitter: 0, tokens_per_chunk: 2, ignore_eos: true, seed: 5 });
  t.after(() => sim.close());
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: chat
    service_type: openai
    service_url: ${sim.url}
    model: sim-llm
    api: chat
    max_tokens: 16
    duration: 2s
    load: {rate: 20, max_in_flight: 64}
    slo: {ttft_ms: 1000, e2el_ms: 5000}
`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  const s = report.services.chat!;
  assert.equal(s.requests.total, 40);
  assert.equal(s.llm!.requests, 40);
  assert.equal(s.llm!.output_tokens, 40 * 16);
  assert.equal(s.llm!.tokens_estimated_requests, 0);
  // 8 chunks of 2 tokens per request: 1 gap of 0 in the first chunk, then 7 chunks × 2 gaps.
  assert.equal(s.llm!.itl.count, 40 * 15);
  assert.ok(s.llm!.e2el!.count === 40 && s.llm!.e2el!.p50! > s.llm!.ttft.p50!);
  assert.equal(s.goodput!.requests_meeting_slo, 40);
  assert.equal(s.goodput!.fraction, 1);
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  const row = db.prepare('SELECT ttft, tpot, itl, input_tokens, output_tokens, tokens_estimated, extra FROM metrics LIMIT 1').get() as Record<string, number | string>;
  assert.ok((row.ttft as number) > 0 && (row.tpot as number) > 0 && (row.itl as number) > 0);
  assert.equal(row.output_tokens, 16);
  assert.equal(row.tokens_estimated, 0);
  assert.ok(JSON.parse(row.extra as string).itl.length > 0);
});
