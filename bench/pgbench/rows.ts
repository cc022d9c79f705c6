/**
 * The rows of the pgbench bench, each run in this process or in a fresh one (row-process.ts):
 * in one process, every driver's row warms (or pollutes) V8's inline caches and heap for
 * the rows after it, so by default run.ts gives each row a process of its own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tsxLoader } from '../lib.js';
import { adapterAlone } from './adapter-alone.js';
import { aifbRun } from './aifb.js';
import { driverRun, type DriverName, type Script } from './drivers.js';
import type { Conn, Figures } from './pgbench.js';

/** What run.ts asks of one row: the connection comes without its password. */
export type RowSpec =
  | { kind: 'driver'; conn: Omit<Conn, 'password'>; driver: DriverName; script: Script; clients: number; threads: number; seconds: number; scale: number }
  | { kind: 'adapter' | 'aifb'; conn: Omit<Conn, 'password'>; preset: 'select-only' | 'tpcb'; clients: number; seconds: number; rows: number; generators?: number };

/** Runs the row a spec names, in this process. */
export async function runRow(spec: RowSpec, password: string): Promise<Figures & { loadLine?: string }> {
  const c: Conn = { ...spec.conn, password };
  if (spec.kind === 'driver') return driverRun(spec.driver, c, spec.script, spec.clients, spec.threads, spec.seconds, spec.scale);
  if (spec.kind === 'adapter') return adapterAlone(c, spec.preset, spec.clients, spec.seconds, spec.rows);
  return aifbRun(c, spec.preset, spec.clients, spec.seconds, spec.rows, spec.generators ?? 1);
}

/** Runs the row in a fresh Node.js process (the password through its environment, never its arguments). */
export function runRowInChild(spec: RowSpec, password: string): Promise<Figures & { loadLine?: string }> {
  const entry = fileURLToPath(new URL('./row-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', tsxLoader, entry, JSON.stringify(spec)], {
    env: { ...process.env, BENCH_ROW_PGPASSWORD: password },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`bench row ${spec.kind} exited with ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(last) as Figures & { loadLine?: string });
    });
  });
}
