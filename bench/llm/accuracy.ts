/**
 * How far aifb's token timing is from the truth: runs the LLM simulator in its own
 * process, drives it through `aifb run` (open loop, Poisson) at a rate that keeps
 * `--streams` requests in flight, then compares every request's measured TTFT and mean ITL
 * with the simulator's record of when it wrote each chunk.
 *
 *   node --import tsx bench/llm/accuracy.ts [--streams 500] [--tokens 128] [--decode-ms 20] [--seconds 10]
 *
 * TTFT error = measured TTFT − (first chunk written − request received): it includes the
 * request's and the first chunk's trip over loopback and both event loops' lag, so it is an
 * upper bound on aifb's own error. ITL error compares mean gaps, both measured on one side.
 * Writes bench/results/llm-accuracy.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '500' },
    tokens: { type: 'string', default: '128' },
    'decode-ms': { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
  },
});
const streams = Number(values.streams);
const tokens = Number(values.tokens);
const decodeMs = Number(values['decode-ms']);
const seconds = Number(values.seconds);
const root = new URL('../..', import.meta.url).pathname;
const tsx = join(root, 'node_modules/tsx/dist/esm/index.mjs');
const bin = join(root, 'src/cli/bin.ts');

const sim = spawn(process.execPath, ['--import', tsx, bin, 'sim', 'llm', '--port', '0', '--decode-ms', String(decodeMs), '--jitter', '0',
  '--batch-slowdown', '0', '--max-num-seqs', String(streams * 4), '--ignore-eos'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => sim.stdout.on('data', (d: Buffer) => {
  const m = /http:\/\/[\d.]+:\d+/.exec(String(d));
  if (m) resolve(m[0]);
}));

// Little's law: streams = rate × request time.
const rate = Math.max(1, Math.round(streams / ((tokens * decodeMs) / 1000)));
const dir = mkdtempSync(join(tmpdir(), 'aifb-llm-acc-'));
writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: acc
    service_type: vllm
    service_url: ${url}
    model: sim-llm
    max_tokens: ${tokens}
    prompts: {input_tokens: 64}
    duration: ${seconds}s
    load: {rate: ${rate}, max_in_flight: ${streams * 4}, warmup: 2s}
`);
const run = spawn(process.execPath, ['--import', tsx, bin, 'run', 'r.yaml', '--out', 'out', '--quiet', '--id', 'acc'], { cwd: dir, stdio: 'inherit' });
await new Promise((r) => run.on('close', r));

const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
const rows = db.prepare(`SELECT ttft, itl, extra FROM metrics WHERE benchmark_id = 'acc' AND success = 1`).all() as { ttft: number; itl: number; extra: string }[];
const ttftErr: number[] = [];
const itlErr: number[] = [];
for (const r of rows) {
  const x = JSON.parse(r.extra) as { request_id: string };
  const t = (await (await fetch(`${url}/sim/truth/${x.request_id}`)).json()) as { received_ms: number; first_token_ms: number; chunks: { t_ms: number }[] };
  ttftErr.push(r.ttft * 1000 - (t.first_token_ms - t.received_ms));
  const gaps = t.chunks.slice(1).map((c, i) => c.t_ms - t.chunks[i]!.t_ms);
  itlErr.push(Math.abs(r.itl * 1000 - gaps.reduce((a, b) => a + b, 0) / gaps.length));
}
sim.kill();
const pct = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(q * a.length))] ?? NaN;
const result = {
  streams, rate, tokens, decode_ms: decodeMs, requests: rows.length,
  ttft_error_ms: { p50: pct(ttftErr, 0.5), p99: pct(ttftErr, 0.99), max: Math.max(...ttftErr) },
  itl_error_ms: { p50: pct(itlErr, 0.5), p99: pct(itlErr, 0.99), max: Math.max(...itlErr) },
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/llm-accuracy.json'), JSON.stringify(result, null, 2) + '\n');
