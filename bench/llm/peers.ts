/**
 * aifb side by side with aiperf and guidellm on one real llama-server (the tiny GGUF,
 * scripts/servers/llama-cpp.sh; the peers from scripts/peers/*.sh): the same server, prompt
 * and output lengths, Poisson rate, one run each, alternating (the order turns each round).
 * Around every run the server's own /metrics are read, so each tool's figures stand beside
 * the server's prefill and decode time for the same requests (docs/performance.md).
 * Prints the figures and the ratios to aifb, writes bench/results/llm-peers.json.
 *
 * With `--server llmd` the server is llm-d-inference-sim (a vLLM-protocol simulator by others,
 * binary at $AIFB_LLMD_SIM; docs/real-servers-llm.md) with a known TTFT of 20 ms and 5 ms per
 * token, and its own vllm:* TTFT and e2e sums are the server's side.
 *
 *   node --import tsx bench/llm/peers.ts [--rate 2] [--requests 40] [--rounds 1] [--tools aiperf,guidellm] [--server llama|llmd]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, printTable, root, spawnPinned, writeResult } from '../lib.js';
import { runAifb, runAiperf, runGuidellm, type Figures, type Work } from './peer-tools.js';

const { values } = parseArgs({ options: {
  rate: { type: 'string', default: '2' }, requests: { type: 'string', default: '40' }, rounds: { type: 'string', default: '1' },
  tools: { type: 'string', default: 'aiperf,guidellm' }, server: { type: 'string', default: 'llama' },
} });
const cache = process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb');
const llama = join(cache, 'bin', 'llama-server');
const model = join(cache, 'tiny-gguf', 'tiny.gguf');
const llmd = process.env.AIFB_LLMD_SIM ?? join(cache, 'bin', 'llm-d-inference-sim');
const useLlmd = values.server === 'llmd';
if (useLlmd && !existsSync(llmd)) {
  console.log('not run: llm-d-inference-sim is not installed (set AIFB_LLMD_SIM; docs/real-servers-llm.md)');
  process.exit(0);
}
if (!useLlmd && (!existsSync(llama) || !existsSync(model))) {
  console.log('not run: llama-server is not installed (bash scripts/servers/llama-cpp.sh)');
  process.exit(0);
}
const peers = values.tools!.split(',').filter(Boolean);
for (const p of peers) execFileSync('bash', [join(root, `scripts/peers/${p}.sh`)], { stdio: 'inherit' });

/** The server's counters that say what it did: prefill and decode seconds, tokens (llama.cpp --metrics). */
async function serverCounters(port: number): Promise<Record<string, number>> {
  // llama-server closes idle keep-alive connections: a reused one fails once, a new one works.
  let text = '';
  for (let i = 0; ; i++) {
    try {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      break;
    } catch (err) {
      if (i >= 2) throw err;
    }
  }
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^llamacpp:(prompt_seconds_total|tokens_predicted_seconds_total|tokens_predicted_total|prompt_tokens_total|n_decode_total) (\S+)/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
    const v = /^vllm:(time_to_first_token_seconds_sum|time_to_first_token_seconds_count|e2e_request_latency_seconds_sum|e2e_request_latency_seconds_count|generation_tokens_total|prompt_tokens_total)\{[^}]*\} (\S+)/.exec(line);
    if (v) out[v[1]!] = (out[v[1]!] ?? 0) + Number(v[2]);
  }
  return out;
}

interface RunRecord { tool: string; round: number; load_before: number; figures: Figures; server_truth: Record<string, number | null>; aifb_server_block?: unknown }

async function main(): Promise<void> {
  const port = await freePort();
  const w: Work = { port, rate: Number(values.rate), requests: Number(values.requests), isl: 128, osl: 64, tokenizer: join(cache, 'tiny-gguf', 'tokenizer') };
  const server = useLlmd
    ? spawnPinned(llmd, ['--model', 'tiny', '--port', String(port), '--time-to-first-token', '20ms', '--inter-token-latency', '5ms', '--max-num-seqs', '16'], undefined, { stdio: 'ignore' })
    : spawnPinned(llama, ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '4096', '--parallel', '4', '-t', '1', '--metrics'], undefined, { stdio: 'ignore' });
  const runs: RunRecord[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const tools = ['aifb', ...peers];
    for (let round = 0; round < Number(values.rounds); round++) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]!);
      for (const tool of order) {
        const load = loadavg()[0]!;
        const before = await serverCounters(port);
        let figures: Figures;
        let block: unknown;
        if (tool === 'aifb') ({ figures, server: block } = runAifb(w));
        else if (tool === 'aiperf') figures = runAiperf(join(cache, 'bin', 'aiperf'), w);
        else figures = runGuidellm(join(cache, 'bin', 'guidellm'), w);
        const after = await serverCounters(port);
        const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
        // Per request the client saw: what the server spent on it. Includes a tool's own
        // warm-up or readiness requests, if it sends any (the counts say so).
        const n = figures.requests ?? null;
        runs.push({
          tool, round, load_before: Number(load.toFixed(2)), figures,
          server_truth: useLlmd ? {
            tokens_generated: d('generation_tokens_total'), prompt_tokens: d('prompt_tokens_total'),
            ttft_mean_ms_server: d('time_to_first_token_seconds_count') ? (1000 * d('time_to_first_token_seconds_sum')) / d('time_to_first_token_seconds_count') : null,
            e2e_mean_ms_server: d('e2e_request_latency_seconds_count') ? (1000 * d('e2e_request_latency_seconds_sum')) / d('e2e_request_latency_seconds_count') : null,
          } : {
            tokens_generated: d('tokens_predicted_total'), prompt_tokens: d('prompt_tokens_total'),
            prefill_ms_per_request: n ? (1000 * d('prompt_seconds_total')) / n : null,
            decode_ms_per_request: n ? (1000 * d('tokens_predicted_seconds_total')) / n : null,
            decode_ms_per_token: d('tokens_predicted_total') ? (1000 * d('tokens_predicted_seconds_total')) / d('tokens_predicted_total') : null,
          },
          ...(block ? { aifb_server_block: block } : {}),
        });
        console.log(`${tool} round ${round + 1}: done (load average ${load.toFixed(2)} before)`);
      }
    }
  } finally {
    server.kill('SIGTERM');
  }
  const mean = (tool: string, k: string) => {
    const vs = runs.filter((r) => r.tool === tool).map((r) => r.figures[k] ?? r.server_truth[k]).filter((v): v is number => typeof v === 'number');
    return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
  };
  const tools = ['aifb', ...peers];
  const keys = [...Object.keys(runs[0]!.figures), ...Object.keys(runs[0]!.server_truth).map((k) => k)];
  const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(2));
  const rows: (string | number)[][] = [['figure', ...tools, ...peers.map((p) => `aifb/${p}`)]];
  for (const k of keys) {
    const a = mean('aifb', k);
    rows.push([k, ...tools.map((t) => fmt(mean(t, k))), ...peers.map((p) => { const b = mean(p, k); return a !== null && b ? (a / b).toFixed(2) : '-'; })]);
  }
  printTable(rows);
  writeResult(useLlmd ? 'llm-peers-llmd' : 'llm-peers', { server: useLlmd ? 'llm-d-inference-sim (TTFT 20 ms, 5 ms per token, 16 sequences)' : 'llama-server (tiny GGUF, -t 1, --parallel 4, --metrics)', rate: w.rate, requests: w.requests, isl: w.isl, osl: w.osl, rounds: Number(values.rounds), runs });
}

await main();
