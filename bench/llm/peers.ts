/**
 * aifb side by side with aiperf on a real llama-server (the tiny GGUF, scripts/servers/
 * llama-cpp.sh): the same server, the same prompt and output lengths (chat, 128 → 64 tokens,
 * ignore_eos, streamed), the same Poisson rate, one run each, one after the other. Prints
 * both and their ratios, writes bench/results/llm-peers.json.
 *
 * Names differ: aiperf's "inter token latency" is each request's (e2e − TTFT)/(tokens − 1),
 * aifb's TPOT; aiperf's "inter chunk latency" is the gap between chunks, aifb's ITL.
 *
 *   node --import tsx bench/llm/peers.ts [--rate 2] [--requests 40]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, freePort, printTable, root, spawnPinned, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '2' }, requests: { type: 'string', default: '40' } } });
const rate = Number(values.rate);
const requests = Number(values.requests);
const ISL = 128;
const OSL = 64;
const cache = process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb');
const llama = join(cache, 'bin', 'llama-server');
const model = join(cache, 'tiny-gguf', 'tiny.gguf');
const tokenizer = join(cache, 'tiny-gguf', 'tokenizer');
if (!existsSync(llama) || !existsSync(model)) {
  console.log('not run: llama-server is not installed (bash scripts/servers/llama-cpp.sh)');
  process.exit(0);
}
execFileSync('bash', [join(root, 'scripts/peers/aiperf.sh')], { stdio: 'inherit' });
const aiperf = join(cache, 'bin', 'aiperf');

type Figures = Record<string, number | null>;

async function main(): Promise<void> {
  const port = await freePort();
  const server = spawnPinned(llama, ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '4096', '--parallel', '4', '-t', '1'], undefined, { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const a = runAiperf(port);
    const b = runAifb(port);
    const keys = Object.keys(a);
    const rows: (string | number)[][] = [['figure', 'aiperf', 'aifb', 'aifb/aiperf']];
    const fmt = (v: number | null) => (v === null ? '-' : v.toFixed(2));
    for (const k of keys) rows.push([k, fmt(a[k]!), fmt(b[k] ?? null), a[k] && b[k] ? (b[k]! / a[k]!).toFixed(2) : '-']);
    printTable(rows);
    writeResult('llm-peers', { server: 'llama-server (tiny GGUF, -t 1, --parallel 4)', rate, requests, isl: ISL, osl: OSL, aiperf: a, aifb: b });
  } finally {
    server.kill('SIGTERM');
  }
}

function runAiperf(port: number): Figures {
  const out = tempDir('aiperf-');
  execFileSync(aiperf, ['profile', '-m', 'tiny', '--url', `127.0.0.1:${port}`, '--endpoint-type', 'chat', '--streaming',
    '--tokenizer', tokenizer, '--isl', String(ISL), '--isl-stddev', '0', '--osl', String(OSL), '--osl-stddev', '0',
    '--extra-inputs', 'ignore_eos:true', '--request-rate', String(rate), '--arrival-pattern', 'poisson',
    '--request-count', String(requests), '--ui-type', 'none', '--artifact-dir', out], { stdio: 'ignore', timeout: 600_000 });
  const d = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8')) as Record<string, Record<string, number>>;
  return {
    ttft_p50_ms: d.time_to_first_token!.p50!, ttft_p99_ms: d.time_to_first_token!.p99!,
    tpot_p50_ms: d.inter_token_latency!.p50!, tpot_p99_ms: d.inter_token_latency!.p99!,
    itl_p50_ms: d.inter_chunk_latency?.p50 ?? null, itl_p99_ms: d.inter_chunk_latency?.p99 ?? null,
    e2e_p50_ms: d.request_latency!.p50!, e2e_p99_ms: d.request_latency!.p99!,
    output_tokens_per_s: d.output_token_throughput!.avg!, requests_per_s: d.request_throughput!.avg!,
  };
}

function runAifb(port: number): Figures {
  const report = aifbRun(`services:
  - service_name: llama
    service_type: openai
    service_url: http://127.0.0.1:${port}
    model: tiny
    api: chat
    max_tokens: ${OSL}
    ignore_eos: true
    prompts: {input_tokens: ${ISL}}
    duration: ${Math.ceil(requests / rate)}s
    load: {rate: ${rate}, arrival: poisson, max_in_flight: 64}
`);
  const s = report.services.llama;
  const llm = s.llm;
  // aifb's report JSON gives durations in seconds.
  const ms = (v: number | null | undefined) => (typeof v === 'number' ? v * 1000 : null);
  return {
    ttft_p50_ms: ms(llm.ttft.p50), ttft_p99_ms: ms(llm.ttft.p99),
    tpot_p50_ms: ms(llm.tpot.p50), tpot_p99_ms: ms(llm.tpot.p99),
    itl_p50_ms: ms(llm.itl.p50), itl_p99_ms: ms(llm.itl.p99),
    e2e_p50_ms: ms(llm.e2el?.p50), e2e_p99_ms: ms(llm.e2el?.p99),
    output_tokens_per_s: llm.output_tokens_per_second, requests_per_s: s.throughput?.requests_per_second ?? null,
  };
}

await main();
