/**
 * aifb's file_storage next to fio on the same job: 4 KiB random reads and writes (50/50)
 * in one 64 MiB file, the same number of concurrent workers (fio numjobs with psync = aifb
 * closed-loop clients), on the same directory, in alternating rounds. Two sync modes:
 *   fsync   fio --fsync=1 (fio's write latency leaves the fsync out: its `sync` figure)
 *           against aifb sync_mode fsync (whose write includes the fsync);
 *   osync   fio --sync=1 (O_SYNC: the write's latency includes the flush) against aifb
 *           sync_mode osync, so the write p99 is the same quantity on both sides.
 * Between them the layers' ceilings: the same job in Node alone through libuv's pool
 * (what aifb does) and with blocking calls on worker threads (what fio psync does).
 *   node --import tsx bench/fio/run.ts [--jobs 4] [--seconds 10] [--rounds 2] [--dir /tmp] [--modes fsync,osync]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, printTable, run, tempDir, writeResult } from '../lib.js';
import { libuvLoops, psyncThreads, quantile, type Lat } from './syscalls.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    dir: { type: 'string' },
    modes: { type: 'string', default: 'fsync,osync' },
    engines: { type: 'string', default: 'libuv,psync' },
  },
});
const jobs = Number(values.jobs);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const base = values.dir ?? tempDir('aifb-fio-');
const modes = values.modes!.split(',') as ('fsync' | 'osync')[];
const engines = values.engines!.split(',') as ('libuv' | 'psync')[];
const FILE_SIZE = 64 * 1024 * 1024;
const BS = 4096;

interface Row {
  mode: string;
  client: string;
  iops: number;
  readP99: number;
  /** The write call alone (fio's write clat). */
  pwriteP99: number;
  fsyncP99: number;
  /** The write as aifb counts it: the call and, with fsync, the fsync after it. */
  writeP99: number;
  load: number;
}

const ms = (ns: number | undefined) => (ns ?? NaN) / 1e6;

function fio(mode: 'fsync' | 'osync'): Row {
  const file = join(base, 'fio.dat');
  const load = loadavg()[0]!;
  const r = run('fio', [
    '--name=randrw', `--filename=${file}`, `--size=${FILE_SIZE}`, `--bs=${BS}`, '--rw=randrw', '--rwmixread=50',
    mode === 'fsync' ? '--fsync=1' : '--sync=1', '--ioengine=psync', `--numjobs=${jobs}`, '--time_based', `--runtime=${seconds}`,
    '--group_reporting', '--output-format=json',
  ]);
  if (r.code !== 0) throw new Error(`fio failed: ${r.stderr}`);
  type P = { percentile?: Record<string, number> };
  const j = (JSON.parse(r.stdout) as { jobs: { read: { iops: number; clat_ns: P }; write: { iops: number; clat_ns: P }; sync?: { lat_ns?: P } }[] }).jobs[0]!;
  rmSync(file, { force: true });
  const p99 = (p: P | undefined) => ms(p?.percentile?.['99.000000']);
  const pwrite = p99(j.write.clat_ns);
  const fsync = mode === 'fsync' ? p99(j.sync?.lat_ns) : NaN;
  // fio's JSON has no distribution of write + fsync; the sum of the two p99s stands for it (an upper estimate).
  return { mode, client: 'fio psync', iops: j.read.iops + j.write.iops, readP99: p99(j.read.clat_ns), pwriteP99: pwrite, fsyncP99: fsync, writeP99: mode === 'fsync' ? pwrite + fsync : pwrite, load };
}

/** A filled file for the Node-alone loops (fio lays out its own). */
function layOut(file: string): void {
  writeFileSync(file, Buffer.alloc(FILE_SIZE, 1), { flag: 'w' });
}

async function alone(mode: 'fsync' | 'osync', how: 'libuv' | 'psync'): Promise<Row | undefined> {
  // O_SYNC is an open flag the alone loops do not take; they run the fsync job only.
  if (mode !== 'fsync') return undefined;
  const file = join(base, 'alone.dat');
  layOut(file);
  const load = loadavg()[0]!;
  const job = { file, fileSize: FILE_SIZE, blockSize: BS, seconds, sync: 'fsync' as const };
  const l: Lat = how === 'libuv' ? await libuvLoops(job, jobs) : await psyncThreads(job, jobs);
  rmSync(file, { force: true });
  return {
    mode,
    client: how === 'libuv' ? 'Node alone, libuv pool' : 'Node alone, blocking calls on threads',
    iops: (l.read.length + l.write.length) / l.window,
    readP99: quantile(l.read, 0.99),
    pwriteP99: quantile(l.pwrite, 0.99),
    fsyncP99: quantile(l.fsync, 0.99),
    writeP99: quantile(l.write, 0.99),
    load,
  };
}

/** aifb's default engine (auto): libuv with every client on one thread, psync with one generator thread per job, as fio runs. */
function aifb(mode: 'fsync' | 'osync', engine: 'libuv' | 'psync'): Row {
  const load = loadavg()[0]!;
  const report = aifbRun(`services:
  - service_name: blocks
    service_type: file_storage
    base_path: ${base}
    block_size: 4KB
    block_file_size: 64MB
    sync_mode: ${mode}
    operation_mix: {random_read: 0.5, random_write: 0.5}
    duration: ${seconds}s
    load: {clients: ${jobs}}
${engine === 'psync' ? `    generators: ${jobs}\n` : ''}`);
  const s = report.services.blocks;
  const write = (s.operations.random_write?.percentiles.p99 ?? NaN) * 1000;
  return {
    mode,
    client: engine === 'psync' ? `aifb, generators: ${jobs} (auto: psync)` : 'aifb file_storage (auto: libuv)',
    iops: s.throughput.requests_per_second as number,
    readP99: (s.operations.random_read?.percentiles.p99 ?? NaN) * 1000,
    pwriteP99: mode === 'osync' ? write : NaN,
    fsyncP99: NaN,
    writeP99: write,
    load,
  };
}

const rows: Row[] = [];
for (let round = 0; round < rounds; round++) {
  for (const mode of modes) {
    rows.push(fio(mode));
    for (const how of ['libuv', 'psync'] as const) {
      const r = await alone(mode, how);
      if (r) rows.push(r);
    }
    for (const engine of engines) rows.push(aifb(mode, engine));
  }
}
const f = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '');
printTable([
  ['sync', 'client', 'IOPS', 'read p99 ms', 'write call p99 ms', 'fsync p99 ms', 'write(+fsync) p99 ms', 'load avg'],
  ...rows.map((r) => [r.mode, r.client, r.iops.toFixed(0), f(r.readP99), f(r.pwriteP99), f(r.fsyncP99), f(r.writeP99), r.load.toFixed(1)]),
]);
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
// Ratios within a round (same minutes, same load), then the median over rounds.
const summary: { mode: string; client: string; iops_ratio: number; write_p99_ratio: number }[] = [];
console.log('\nmedian over rounds of the ratio to fio within each round (targets: IOPS >= 0.9, write p99 <= 2):');
for (const mode of modes) {
  const fioRows = rows.filter((r) => r.mode === mode && r.client === 'fio psync');
  for (const client of [...new Set(rows.filter((r) => r.mode === mode && r.client !== 'fio psync').map((r) => r.client))]) {
    const mine = rows.filter((r) => r.mode === mode && r.client === client);
    const iops = median(mine.map((r, i) => r.iops / fioRows[i]!.iops));
    const p99 = median(mine.map((r, i) => r.writeP99 / fioRows[i]!.writeP99));
    summary.push({ mode, client, iops_ratio: iops, write_p99_ratio: p99 });
    console.log(`  ${mode.padEnd(6)} ${client.padEnd(40)} IOPS x fio ${iops.toFixed(2)}, write(+fsync) p99 x fio ${p99.toFixed(2)}`);
  }
}
writeResult('fio', { jobs, seconds, rounds, rows, summary });
if (!values.dir) rmSync(base, { recursive: true, force: true });
