/**
 * The floor under the LLM timing error on this machine: how late the least possible client
 * sees chunks that a server writes to every stream at once, with the server on core 1 and
 * the client on core 0. `net` (raw sockets, no HTTP parsing) is what the machine allows;
 * `undici` (its dispatcher, a handler that only stamps) is what the library allows; aifb's
 * own figure is accuracy.ts's. Error = arrival − the end of the chunk's write (0 when it
 * arrived during the write), the same rule as src/sim/llm/compare.ts.
 *
 *   node --import tsx bench/llm/floor.ts [--streams 500] [--steps 60] [--step-ms 50]
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, spawnPinned, tempDir, tsxLoader } from '../lib.js';
import { percentile } from '../../src/sim/llm/compare.js';

const { values } = parseArgs({ options: { streams: { type: 'string', default: '500' }, steps: { type: 'string', default: '60' }, 'step-ms': { type: 'string', default: '50' } } });
const streams = Number(values.streams);
const steps = Number(values.steps);
const WARM_STEPS = 3;
const here = join(root, 'bench/llm');

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', resolve));
}

async function measure(kind: 'net' | 'undici'): Promise<Record<string, number>> {
  const dir = tempDir('aifb-llm-floor-');
  const stampsFile = join(dir, 'stamps.json');
  const arrivalsFile = join(dir, 'arrivals.json');
  const server = spawnPinned(process.execPath, ['--import', tsxLoader, join(here, 'burst-server.ts'), String(streams), String(steps), values['step-ms']!, stampsFile], '1', { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => server.stdout!.on('data', (d: Buffer) => {
    const m = /PORT (\d+)/.exec(String(d));
    if (m) resolve(m[1]!);
  }));
  const client = spawnPinned(process.execPath, ['--import', tsxLoader, join(here, 'burst-client.ts'), kind, port, String(streams), arrivalsFile], '0', { stdio: 'inherit' });
  await Promise.all([exited(server), exited(client)]);
  const stamps = JSON.parse(readFileSync(stampsFile, 'utf8')) as number[];
  const arrivals = JSON.parse(readFileSync(arrivalsFile, 'utf8')) as number[][];
  const errors: number[] = [];
  for (let k = 0; k < stamps.length; k += 4) {
    const [stream, step, from, to] = [stamps[k]!, stamps[k + 1]!, stamps[k + 2]!, stamps[k + 3]!];
    if (step < WARM_STEPS) continue;
    const at = arrivals[stream]![step]!;
    errors.push(at - Math.min(Math.max(at, from), to));
  }
  return { chunks: errors.length, p50: percentile(errors, 0.5), p90: percentile(errors, 0.9), p99: percentile(errors, 0.99), max: percentile(errors, 1) };
}

const result: Record<string, unknown> = { streams, steps, step_ms: Number(values['step-ms']) };
for (const kind of ['net', 'undici'] as const) {
  const r = await measure(kind);
  result[kind] = r;
  console.log(`${kind.padEnd(7)} ${streams} streams: error p50 ${r.p50!.toFixed(3)} ms, p90 ${r.p90!.toFixed(3)} ms, p99 ${r.p99!.toFixed(3)} ms, max ${r.max!.toFixed(3)} ms (${r.chunks} chunks)`);
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/llm-floor.json'), JSON.stringify(result, null, 2) + '\n');
