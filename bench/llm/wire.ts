/**
 * Who is right when aifb and a peer differ: each tool runs the same chat streams against
 * one llama-server while tcpdump records the loopback traffic; the capture's times
 * (bench/llm/pcap.ts: request's first byte → first / last segment with generated text)
 * are the floor any client's TTFT and e2e sit on. Prints, per tool, its own TTFT and e2e
 * (p50, mean) beside the wire's for the same requests and the difference, the tool's own
 * overhead; writes bench/results/llm-wire.json. Needs tcpdump (apt-get install tcpdump)
 * and the right to capture on `lo`.
 *
 *   node --import tsx bench/llm/wire.ts [--rate 2] [--requests 40] [--tools aifb,aiperf,guidellm]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, printTable, spawnPinned, tempDir, writeResult } from '../lib.js';
import { wireRequests } from './pcap.js';
import { runAifb, runAiperf, runGuidellm, type Figures, type Work } from './peer-tools.js';

const { values } = parseArgs({ options: {
  rate: { type: 'string', default: '2' }, requests: { type: 'string', default: '40' }, tools: { type: 'string', default: 'aifb,aiperf,guidellm' },
} });
const cache = process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb');
const llama = join(cache, 'bin', 'llama-server');
const model = join(cache, 'tiny-gguf', 'tiny.gguf');
if (!existsSync(llama) || !existsSync(model)) {
  console.log('not run: llama-server is not installed (bash scripts/servers/llama-cpp.sh)');
  process.exit(0);
}
if (spawnSync('tcpdump', ['--version']).status !== 0) {
  console.log('not run: tcpdump is not installed');
  process.exit(0);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : null;
};
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Runs `fn` while tcpdump writes the port's traffic to a file; returns the file. */
async function captured(port: number, fn: () => void): Promise<string> {
  const file = join(tempDir('aifb-wire-'), 'cap.pcap');
  const dump = spawn('tcpdump', ['-i', 'lo', '-w', file, '-U', '-s', '0', '--time-stamp-precision=nano', `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    dump.stderr.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
    dump.once('exit', (code) => reject(new Error(`tcpdump exited (${code}) before capturing`)));
  });
  try {
    fn();
  } finally {
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => dump.once('exit', r));
    dump.kill('SIGINT');
    await exited;
  }
  return file;
}

async function main(): Promise<void> {
  const port = await freePort();
  const w: Work = { port, rate: Number(values.rate), requests: Number(values.requests), isl: 128, osl: 64, tokenizer: join(cache, 'tiny-gguf', 'tokenizer') };
  const server = spawnPinned(llama, ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '4096', '--parallel', '4', '-t', '1'], undefined, { stdio: 'ignore' });
  const out: Record<string, unknown>[] = [];
  const rows: (string | number)[][] = [['tool', 'load', 'wire req', 'TTFT p50 tool', 'wire', 'TTFT mean tool', 'wire', 'e2e p50 tool', 'wire', 'e2e mean tool', 'wire', 'ITL p50 tool', 'wire', 'ITL p99 tool', 'wire']];
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const tool of values.tools!.split(',')) {
      const load = loadavg()[0]!;
      let f: Figures = {};
      const file = await captured(port, () => {
        f = tool === 'aifb' ? runAifb(w).figures : tool === 'aiperf' ? runAiperf(join(cache, 'bin', 'aiperf'), w) : runGuidellm(join(cache, 'bin', 'guidellm'), w);
      });
      const reqs = wireRequests(file, port).filter((r) => r.ttftMs !== null);
      const ttft = reqs.map((r) => r.ttftMs!);
      const e2e = reqs.map((r) => r.e2eMs!);
      const gaps = reqs.flatMap((r) => r.gapsMs);
      const wire = { requests: reqs.length, itl_p50_ms: pct(gaps, 50), itl_p99_ms: pct(gaps, 99), itl_mean_ms: avg(gaps), ttft_p50_ms: pct(ttft, 50), ttft_mean_ms: avg(ttft), e2e_p50_ms: pct(e2e, 50), e2e_mean_ms: avg(e2e), ttft_p99_ms: pct(ttft, 99), e2e_p99_ms: pct(e2e, 99) };
      out.push({ tool, load_before: Number(load.toFixed(2)), tool_figures: f, wire });
      const n = (v: number | null | undefined) => (typeof v === 'number' ? v.toFixed(2) : '-');
      rows.push([tool, load.toFixed(1), reqs.length, n(f.ttft_p50_ms), n(wire.ttft_p50_ms), n(f.ttft_mean_ms), n(wire.ttft_mean_ms), n(f.e2e_p50_ms), n(wire.e2e_p50_ms), n(f.e2e_mean_ms), n(wire.e2e_mean_ms), n(f.itl_p50_ms), n(wire.itl_p50_ms), n(f.itl_p99_ms), n(wire.itl_p99_ms)]);
      console.log(`${tool}: done`);
    }
  } finally {
    server.kill('SIGTERM');
  }
  printTable(rows);
  writeResult('llm-wire', { server: 'llama-server (tiny GGUF, -t 1, --parallel 4)', rate: w.rate, requests: w.requests, runs: out });
}

await main();
