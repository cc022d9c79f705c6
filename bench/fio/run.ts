/**
 * aifb's file_storage next to fio on the same job: 4 KiB random reads and writes (50/50)
 * in one 64 MiB file, fsync after every write, the same number of concurrent workers
 * (fio numjobs with psync = aifb closed-loop clients), on the same directory.
 *   node --import tsx bench/fio/run.ts [--jobs 4] [--seconds 10] [--dir /tmp]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, printTable, run, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '4' }, seconds: { type: 'string', default: '10' }, dir: { type: 'string' } } });
const jobs = Number(values.jobs);
const seconds = Number(values.seconds);
const base = values.dir ?? tempDir('aifb-fio-');

const fio = run('fio', [
  '--name=randrw', `--filename=${join(base, 'fio.dat')}`, '--size=64M', '--bs=4k', '--rw=randrw', '--rwmixread=50',
  '--fsync=1', '--ioengine=psync', `--numjobs=${jobs}`, '--time_based', `--runtime=${seconds}`, '--group_reporting', '--output-format=json',
]);
if (fio.code !== 0) throw new Error(`fio failed: ${fio.stderr}`);
const job = (JSON.parse(fio.stdout) as { jobs: { read: { iops: number; clat_ns: { percentile: Record<string, number> } }; write: { iops: number; clat_ns: { percentile: Record<string, number> } } }[] }).jobs[0]!;
const fioIops = job.read.iops + job.write.iops;
rmSync(join(base, 'fio.dat'), { force: true });

const report = aifbRun(`services:
  - service_name: blocks
    service_type: file_storage
    base_path: ${base}
    block_size: 4KB
    block_file_size: 64MB
    sync_mode: fsync
    operation_mix: {random_read: 0.5, random_write: 0.5}
    duration: ${seconds}s
    load: {clients: ${jobs}}
`);
const s = report.services.blocks;
const aifbIops = s.throughput.requests_per_second as number;
const p99 = (ns: Record<string, number> | undefined) => (ns?.['99.000000'] ?? NaN) / 1e6;
printTable([
  ['client', 'IOPS', 'read p99 ms', 'write p99 ms'],
  ['fio (psync)', fioIops.toFixed(0), p99(job.read.clat_ns.percentile).toFixed(3), p99(job.write.clat_ns.percentile).toFixed(3)],
  ['aifb file_storage', aifbIops.toFixed(0), ((s.operations.random_read?.percentiles.p99 ?? NaN) * 1000).toFixed(3), ((s.operations.random_write?.percentiles.p99 ?? NaN) * 1000).toFixed(3)],
  ['ratio aifb / fio', (aifbIops / fioIops).toFixed(2), '', ''],
]);
writeResult('fio', { jobs, seconds, fio_iops: fioIops, aifb_iops: aifbIops, ratio: aifbIops / fioIops });
if (!values.dir) rmSync(base, { recursive: true, force: true });
