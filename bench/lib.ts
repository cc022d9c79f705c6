/** Small helpers shared by the side-by-side benches (not part of aifb itself). */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { keepRequestGarbageYoung } from '../src/util/heap.js';

// Every bench process runs as `aifb run` does (src/cli/bin.ts): an in-process aifb row
// without it measured V8's pretenuring whim, not aifb (docs/performance.md). The rows of
// the drivers alone in the same process run on the same heap settings.
if (!process.env.BENCH_V8_DEFAULT) keepRequestGarbageYoung();

export const root = new URL('..', import.meta.url).pathname;
export const tsxLoader = join(root, 'node_modules/tsx/dist/esm/index.mjs');
export const aifbBin = join(root, 'src/cli/bin.ts');

/** Where scripts/servers and scripts/peers link a tool they installed: $AIFB_CACHE/bin/<name>. */
export function cachedTool(name: string): string {
  return join(process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb'), 'bin', name);
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunOptions { cpus?: string; cwd?: string; env?: NodeJS.ProcessEnv; /** Also measure the command's CPU time (GNU time). */ cpuTime?: boolean }

/**
 * Runs a command to completion, optionally pinned to CPU cores with taskset. With
 * `cpuTime`, `cpu_s` is the user + system time of the command and its threads: on a
 * shared machine requests per CPU-second say more about a client than requests per second.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): { stdout: string; stderr: string; code: number; cpu_s?: number } {
  let [c, a] = [cmd, args];
  const timeFile = opts.cpuTime ? join(mkdtempSync(join(tmpdir(), 'aifb-time-')), 'cpu') : undefined;
  if (timeFile) [c, a] = ['/usr/bin/time', ['-f', '%U %S', '-o', timeFile, c, ...a]];
  if (opts.cpus) [c, a] = ['taskset', ['-c', opts.cpus, c, ...a]];
  const r = spawnSync(c, a, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out = { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status ?? 1 };
  if (!timeFile) return out;
  // GNU time writes "Command exited with non-zero status N" above the figures when it fails.
  const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
  rmSync(dirname(timeFile), { recursive: true, force: true });
  const [user, sys] = last.split(' ').map(Number);
  return { ...out, cpu_s: (user ?? NaN) + (sys ?? NaN) };
}

/** Starts a command, pinned to CPU cores with taskset when `cpus` is given; output ignored unless `opts.stdio` says. */
export function spawnPinned(cmd: string, args: string[], cpus: string | undefined, opts: SpawnOptions = {}) {
  const [c, a] = cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args];
  return spawn(c, a, { stdio: 'ignore', ...opts });
}

/** True when processes can be pinned one per core (two cores or more, and taskset works). */
export function canPin(): boolean {
  return availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A recipe written into a fresh directory, and the node arguments of `aifb run` on it there. */
function aifbRunIn(recipe: string, nodeArgs: string[] = []): { dir: string; args: string[] } {
  const dir = tempDir('aifb-bench-');
  writeFileSync(join(dir, 'r.yaml'), recipe);
  return { dir, args: [...nodeArgs, '--import', tsxLoader, aifbBin, 'run', 'r.yaml', '--out', 'out', '--quiet', '--json'] };
}

// The pool size bin/aifb.cjs (the installed command) gives; this entry runs under tsx, too late to set it itself.
const AIFB_ENV = { UV_THREADPOOL_SIZE: '128' };

/** The report JSON of a finished `aifb run`; its directory goes (its database and reports are only read through the JSON). */
function reportOf(dir: string, r: { code: number | null; stdout: string; stderr: string }): Record<string, any> {
  if (r.code !== 0) throw new Error(`aifb run failed (${r.code}) in ${dir}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout) as Record<string, any>;
  rmSync(dir, { recursive: true, force: true });
  return report;
}

/** Runs `aifb run` on a recipe text and returns the report JSON (with `cpu_s`, the whole process's CPU time, when asked). */
export function aifbRun(recipe: string, opts: { cpus?: string; env?: NodeJS.ProcessEnv; cpuTime?: boolean; nodeArgs?: string[] } = {}): Record<string, any> {
  const { dir, args } = aifbRunIn(recipe, opts.nodeArgs);
  const r = run(process.execPath, args, { cwd: dir, ...opts, env: { ...AIFB_ENV, ...opts.env } });
  const report = reportOf(dir, r);
  if (r.cpu_s !== undefined) report.cpu_s = r.cpu_s;
  return report;
}

/** `aifbRun` without blocking, so two runs can share the machine at once (bench/isolation). */
export function aifbRunAsync(recipe: string): Promise<Record<string, any>> {
  const { dir, args } = aifbRunIn(recipe);
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...AIFB_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => child.on('exit', (code) => {
    try {
      resolve(reportOf(dir, { code, stdout, stderr }));
    } catch (err) {
      reject(err);
    }
  }));
}

export function writeResult(name: string, result: unknown): void {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
}

export function printTable(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const r of cells) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}
