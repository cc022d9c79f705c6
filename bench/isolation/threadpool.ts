/**
 * Whose queue is files-open-loop's tail (issue 17)? The libuv thread pool that every thread
 * of one aifb process shares, or the disk that files-closed-loop's fsyncs also use:
 *   node --import tsx bench/isolation/threadpool.ts [--duration 10s] [--rounds 2] [--pools 4,128]
 * Per round, alternating: files-open-loop alone; beside files-closed-loop in the same
 * process with UV_THREADPOOL_SIZE set to each of --pools (128 is what bin/aifb.cjs, the
 * installed command, sets); beside the same fsync load run by a second aifb process (the
 * disk's own contention, no pool shared). Load average printed with each figure.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { aifbBin, aifbRun, printTable, tempDir, tsxLoader, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10s' }, rounds: { type: 'string', default: '2' }, pools: { type: 'string', default: '4,128' } } });
const duration = values.duration!;
const seconds = Number.parseFloat(duration);

const open = {
  service_name: 'files-open-loop', service_type: 'file_storage', file_sizes: { '4KB': 0.7, '256KB': 0.3 }, operation_mix: { write: 0.3, read: 0.5, stat: 0.1, delete: 0.1 },
  duration, load: { rate: 200, arrival: 'poisson', max_in_flight: 64, warmup: '3s' },
};
/** The quickstart's fsync-bound closed loop; its stages span a little more than the open loop's window. */
const fsyncLoop = {
  service_name: 'files-closed-loop', service_type: 'file_storage', file_sizes: { '64KB': 1.0 }, sync_mode: 'fsync', operation_mix: { write: 0.5, read: 0.5 },
  load: { mode: 'closed', clients: 4, think_time: '2ms', warmup: { requests: 20 }, stages: [{ duration: `${seconds / 3 + 2}s`, target: 8 }, { duration: `${(2 * seconds) / 3 + 2}s`, target: 8 }] },
};
const recipe = (services: object[]) => stringify({ global: { seed: 42 }, services });

/** The fsync load in an aifb process of its own; resolves when it exits. */
function separateFsyncLoad(): Promise<void> {
  const dir = tempDir('aifb-bench-fsync-');
  writeFileSync(join(dir, 'r.yaml'), recipe([fsyncLoop]));
  const child = spawn(process.execPath, ['--import', tsxLoader, aifbBin, 'run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir, stdio: 'ignore', env: { ...process.env, UV_THREADPOOL_SIZE: '128' } });
  return new Promise((resolve) => child.on('exit', () => resolve()));
}

interface Row { case: string; round: number; load1: number; rps: number; p50_ms: number; p99_ms: number; p999_ms: number }
const rows: Row[] = [];
const record = (c: string, round: number, report: Record<string, any>) => {
  const s = report.services['files-open-loop'];
  rows.push({ case: c, round, load1: loadavg()[0]!, rps: s.throughput.requests_per_second, p50_ms: s.percentiles.p50 * 1e3, p99_ms: s.percentiles.p99 * 1e3, p999_ms: (s.percentiles.p999 ?? NaN) * 1e3 });
  const r = rows.at(-1)!;
  console.log(`${c.padEnd(34)} round ${round}  load ${r.load1.toFixed(2)}  p50 ${r.p50_ms.toFixed(2)} ms  p99 ${r.p99_ms.toFixed(2)} ms`);
};

const pools = values.pools!.split(',').filter(Boolean);
for (let round = 1; round <= Number(values.rounds); round++) {
  record('alone', round, aifbRun(recipe([open])));
  for (const p of pools) record(`beside fsync, UV_THREADPOOL_SIZE=${p}`, round, aifbRun(recipe([open, fsyncLoop]), { env: { UV_THREADPOOL_SIZE: p } }));
  // Give the second process its start-up (tsx compiling) before the measured one begins.
  const other = separateFsyncLoad();
  await new Promise((r) => setTimeout(r, 1500));
  record('beside fsync in another process', round, aifbRun(recipe([open])));
  await other;
}
printTable([['case', 'round', 'load1', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms'], ...rows.map((r) => [r.case, r.round, r.load1.toFixed(2), r.rps.toFixed(0), r.p50_ms.toFixed(2), r.p99_ms.toFixed(2), r.p999_ms.toFixed(2)])]);
writeResult('isolation-threadpool', { duration, rows });
