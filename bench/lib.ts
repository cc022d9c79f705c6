/** Small helpers shared by the side-by-side benches (not part of aifb itself). */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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

/** Runs `aifb run` on a recipe text and returns the report JSON (with `cpu_s`, the whole process's CPU time, when asked). */
export function aifbRun(recipe: string, opts: { cpus?: string; env?: NodeJS.ProcessEnv; cpuTime?: boolean; nodeArgs?: string[] } = {}): Record<string, any> {
  const dir = tempDir('aifb-bench-');
  writeFileSync(join(dir, 'r.yaml'), recipe);
  // The pool size bin/aifb.cjs (the installed command) gives; this entry runs under tsx, too late to set it itself.
  const env = { UV_THREADPOOL_SIZE: '128', ...opts.env };
  const r = run(process.execPath, [...(opts.nodeArgs ?? []), '--import', tsxLoader, aifbBin, 'run', 'r.yaml', '--out', 'out', '--quiet', '--json'], { cwd: dir, ...opts, env });
  if (r.code !== 0) throw new Error(`aifb run failed (${r.code}) in ${dir}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout) as Record<string, any>;
  if (r.cpu_s !== undefined) report.cpu_s = r.cpu_s;
  // Each run's database and reports are only read through the JSON above.
  rmSync(dir, { recursive: true, force: true });
  return report;
}

/** `aifbRun` without blocking, so two runs can share the machine at once (bench/isolation). */
export function aifbRunAsync(recipe: string): Promise<Record<string, any>> {
  const dir = tempDir('aifb-bench-');
  writeFileSync(join(dir, 'r.yaml'), recipe);
  const child = spawn(process.execPath, ['--import', tsxLoader, aifbBin, 'run', 'r.yaml', '--out', 'out', '--quiet', '--json'], {
    cwd: dir,
    env: { ...process.env, UV_THREADPOOL_SIZE: '128' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`aifb run failed (${code}) in ${dir}: ${stderr.slice(-2000)}`));
      rmSync(dir, { recursive: true, force: true });
      resolve(JSON.parse(stdout) as Record<string, any>);
    }),
  );
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
