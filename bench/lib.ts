/** Small helpers shared by the side-by-side benches (not part of aifb itself). */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Runs a command to completion, optionally pinned to CPU cores with taskset. */
export function run(cmd: string, args: string[], opts: { cpus?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): { stdout: string; stderr: string; code: number } {
  const [c, a] = opts.cpus ? ['taskset', ['-c', opts.cpus, cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status ?? 1 };
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

/** Runs `aifb run` on a recipe text and returns the report JSON. */
export function aifbRun(recipe: string, opts: { cpus?: string; env?: NodeJS.ProcessEnv } = {}): Record<string, any> {
  const dir = tempDir('aifb-bench-');
  writeFileSync(join(dir, 'r.yaml'), recipe);
  const r = run(process.execPath, ['--import', tsxLoader, aifbBin, 'run', 'r.yaml', '--out', 'out', '--quiet', '--json'], { cwd: dir, ...opts });
  if (r.code !== 0) throw new Error(`aifb run failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Record<string, any>;
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
