/**
 * How far aifb's token timing is from the truth: runs the LLM simulator in its own
 * process, drives it through `aifb run` (open loop, Poisson) at a rate that keeps
 * `--streams` requests in flight, then compares every token aifb saw with the simulator's
 * record of when it wrote it.
 *
 *   node --import tsx bench/llm/accuracy.ts [--streams 2000] [--tokens 128] [--decode-ms 50] [--seconds 10] [--no-pin]
 *
 * The setting is the default: 2,000 streams at 20 tokens/s each (50 ms per decode
 * step), aifb pinned to core 0 and the simulator to core 1 (taskset), when there are two.
 *
 * Both sides are put on the host's CLOCK_MONOTONIC (the truth's `monotonic_offset_ms`, the
 * row's `sent_monotonic_ms`), so no wall clock enters. Per token, error = measured arrival −
 * true write (src/sim/llm/compare.ts): the TTFT error is the first token's, the ITL error
 * each gap's (and each request's mean gap's). The error is aifb's own delay in seeing a
 * chunk the simulator handed to its socket (loopback, and aifb's event loop), never negative.
 * Writes bench/results/llm-accuracy.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { aifbBin, canPin, root, spawnPinned, tempDir, tsxLoader } from '../lib.js';
import { percentile, tokenErrors, type MeasuredRow, type TruthTimes } from '../../src/sim/llm/compare.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '2000' },
    tokens: { type: 'string', default: '128' },
    'decode-ms': { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const streams = Number(values.streams);
const tokens = Number(values.tokens);
const decodeMs = Number(values['decode-ms']);
const seconds = Number(values.seconds);
const pinned = !values['no-pin'] && canPin();
/** Core `n` when pinned, else anywhere. */
const core = (n: number) => (pinned ? String(n) : undefined);

const sim = spawnPinned(process.execPath, ['--import', tsxLoader, aifbBin, 'sim', 'llm', '--port', '0', '--decode-ms', String(decodeMs), '--jitter', '0',
  '--batch-slowdown', '0', '--max-num-seqs', String(streams * 4), '--ignore-eos', '--truth-capacity', '1000000'], core(1), { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => sim.stdout!.on('data', (d: Buffer) => {
  const m = /http:\/\/[\d.]+:\d+/.exec(String(d));
  if (m) resolve(m[0]);
}));

// Little's law: streams = rate × request time.
const rate = Math.max(1, Math.round(streams / ((tokens * decodeMs) / 1000)));
const dir = tempDir('aifb-llm-acc-');
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
const run = spawnPinned(process.execPath, ['--import', tsxLoader, aifbBin, 'run', 'r.yaml', '--out', 'out', '--quiet', '--id', 'acc'], core(0), { cwd: dir, stdio: 'inherit' });
await new Promise((r) => run.on('close', r));

const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
const rows = db.prepare(`SELECT ttft, extra FROM metrics WHERE benchmark_id = 'acc' AND success = 1`).all() as { ttft: number; extra: string }[];
db.close();
const measured: MeasuredRow[] = rows.map((r) => ({ ttftMs: r.ttft * 1000, ...(JSON.parse(r.extra) as Omit<MeasuredRow, 'ttftMs'>) }));
const pool = new Pool(url, { connections: 16 });
const truths: TruthTimes[] = [];
for (let i = 0; i < measured.length; i += 64) {
  truths.push(...(await Promise.all(measured.slice(i, i + 64).map(async (m) => {
    const res = await pool.request({ method: 'GET', path: `/sim/truth/${m.request_id}` });
    return (await res.body.json()) as TruthTimes;
  }))));
}
await pool.close();
sim.kill();
const e = tokenErrors(measured, truths);
const abs = (a: number[]) => a.map(Math.abs);
const summary = (a: number[]) => ({ p50: percentile(a, 0.5), p99: percentile(a, 0.99), max: a.reduce((m, v) => Math.max(m, v), -Infinity) });
const result = {
  streams, rate, tokens, decode_ms: decodeMs, pinned, requests: rows.length, gaps: e.itl.length,
  ttft_error_ms: { min: e.ttft.reduce((m, v) => Math.min(m, v), Infinity), ...summary(e.ttft) },
  itl_abs_error_ms: summary(abs(e.itl)),
  request_mean_itl_abs_error_ms: summary(abs(e.meanItl)),
  request_transit_ms: summary(e.transit),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/llm-accuracy.json'), JSON.stringify(result, null, 2) + '\n');
