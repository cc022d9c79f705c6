/**
 * fio's randrw job with Node and nothing else: no engine, no store, no report. Two ways:
 *   libuv   `jobs` async loops on one thread, each pread / pwrite+fsync a libuv pool job
 *           (what aifb's file_storage does), so the gap to fio is the pool's hops;
 *   psync   `jobs` worker threads, each making the blocking calls itself, as fio's psync
 *           jobs do, so the gap to fio is Node's own cost per call.
 * Each records the pwrite and the fsync apart as well as their sum, because fio reports
 * a write's latency without the fsync that follows it (that is its `sync` figure).
 */
import { constants, fsyncSync, fdatasyncSync, openSync, closeSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { workerScript } from '../../src/util/worker-script.js';

export interface Job {
  file: string;
  fileSize: number;
  blockSize: number;
  seconds: number;
  sync: 'fsync' | 'fdatasync';
}

/** Latencies in ms of one loop or of all of them. */
export interface Lat {
  read: number[];
  write: number[];
  pwrite: number[];
  fsync: number[];
  window: number;
}

const now = () => performance.now();

function merge(parts: Lat[]): Lat {
  return {
    read: parts.flatMap((p) => p.read),
    write: parts.flatMap((p) => p.write),
    pwrite: parts.flatMap((p) => p.pwrite),
    fsync: parts.flatMap((p) => p.fsync),
    window: Math.max(...parts.map((p) => p.window)),
  };
}

/** `jobs` loops on this thread through fs.promises (libuv's pool), one shared descriptor. */
export async function libuvLoops(job: Job, jobs: number): Promise<Lat> {
  const fh = await open(job.file, constants.O_RDWR);
  const blocks = Math.floor(job.fileSize / job.blockSize);
  const start = now();
  const end = start + job.seconds * 1000;
  const parts = await Promise.all(
    Array.from({ length: jobs }, async () => {
      const l: Lat = { read: [], write: [], pwrite: [], fsync: [], window: 0 };
      const buf = Buffer.alloc(job.blockSize, 7);
      while (now() < end) {
        const off = Math.floor(Math.random() * blocks) * job.blockSize;
        const t0 = now();
        if (Math.random() < 0.5) {
          await fh.read(buf, 0, job.blockSize, off);
          l.read.push(now() - t0);
        } else {
          await fh.write(buf, 0, job.blockSize, off);
          const t1 = now();
          await (job.sync === 'fsync' ? fh.sync() : fh.datasync());
          const t2 = now();
          l.pwrite.push(t1 - t0);
          l.fsync.push(t2 - t1);
          l.write.push(t2 - t0);
        }
      }
      return l;
    }),
  );
  const out = merge(parts);
  out.window = (now() - start) / 1000;
  await fh.close();
  return out;
}

/** One blocking loop, as a psync job of fio: its own descriptor, its own thread. */
function psyncLoop(job: Job): Lat {
  const fd = openSync(job.file, constants.O_RDWR);
  const blocks = Math.floor(job.fileSize / job.blockSize);
  const l: Lat = { read: [], write: [], pwrite: [], fsync: [], window: 0 };
  const buf = Buffer.alloc(job.blockSize, 7);
  const start = now();
  const end = start + job.seconds * 1000;
  while (now() < end) {
    const off = Math.floor(Math.random() * blocks) * job.blockSize;
    const t0 = now();
    if (Math.random() < 0.5) {
      readSync(fd, buf, 0, job.blockSize, off);
      l.read.push(now() - t0);
    } else {
      writeSync(fd, buf, 0, job.blockSize, off);
      const t1 = now();
      (job.sync === 'fsync' ? fsyncSync : fdatasyncSync)(fd);
      const t2 = now();
      l.pwrite.push(t1 - t0);
      l.fsync.push(t2 - t1);
      l.write.push(t2 - t0);
    }
  }
  l.window = (now() - start) / 1000;
  closeSync(fd);
  return l;
}

/** `jobs` worker threads each running psyncLoop. */
export async function psyncThreads(job: Job, jobs: number): Promise<Lat> {
  const how = workerScript(import.meta.url, 'syscalls');
  const parts = await Promise.all(
    Array.from(
      { length: jobs },
      () =>
        new Promise<Lat>((resolve, reject) => {
          const w = new Worker(how.script, { eval: how.eval, workerData: job });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return merge(parts);
}

/** The q-quantile (0..1) of the values, in their unit. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.file) parentPort.postMessage(psyncLoop(workerData as Job));
