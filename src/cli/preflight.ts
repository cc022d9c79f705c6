import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError, AifbError } from '../errors.js';
import { createOwnedFileSync, removeOwnedSync } from '../util/owned.js';
import { checkMetricsDbPath } from '../metrics/db-check.js';

/** Benchmark ids become file names (`<id>_report.json`) and database keys: a safe charset only. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The --id given, refused unless it is a plain name (no path separator, no `..`). */
export function checkBenchmarkId(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  if (!ID.test(id) || id.includes('..')) {
    throw new UsageError(`--id "${id.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}" is not a benchmark id: use 1-128 letters, digits, _ . - (starting with a letter or digit, no "..")`);
  }
  return id;
}

/** The longest --grace: Node's timers overflow past 2^31-1 ms (24.8 days) and fire at once. */
export const MAX_GRACE_S = 3600;

/** --grace in milliseconds, bounded. */
export function graceMsArg(value: string | undefined, fallbackS: number): number {
  if (value === undefined) return fallbackS * 1000;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_GRACE_S) throw new UsageError(`--grace expects seconds between 0 and ${MAX_GRACE_S}, got "${value}"`);
  return n * 1000;
}

/**
 * The reports directory can be written: found before the run, not after an hour of load.
 * A probe file is made and removed (it is this process's own, so nothing else is touched).
 */
export function checkReportsDir(dir: string): void {
  try {
    makeDirs(dir);
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const probe = join(dir, `.aifb-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    createOwnedFileSync(probe, '');
    removeOwnedSync(probe, { created: true });
  } catch (err) {
    throw new AifbError('bad-input', `reports_dir ${dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the report would be lost after the run: choose another directory (--out DIR or global.reports_dir)`, { cause: err });
  }
}

/**
 * mkdir -p one level at a time: Node's recursive mkdir never returns for a path under
 * /proc (it retries ENOENT forever), so a mistyped directory would hang the run.
 */
export function makeDirs(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const parent = dirname(dir);
    if (parent !== dir) makeDirs(parent);
    mkdirSync(dir);
    return;
  }
  throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
}

/** The metrics database can be made where the recipe says, and is not someone else's file. */
export function checkMetricsDb(path: string): void {
  checkMetricsDbPath(path);
  try {
    makeDirs(dirname(path));
  } catch (err) {
    throw new AifbError('bad-input', `metrics_db ${path}: its directory cannot be made (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/**
 * `--out DIR` resolved against the working directory and refused when it names something
 * that is not a directory (a file of the user's is left as it is, never replaced).
 */
export function outDirArg(cwd: string, out: string | undefined, command: string): string | undefined {
  if (out === undefined) return undefined;
  const dir = resolve(cwd, out);
  let isDir = true;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Missing: it is made when the output is written.
  }
  if (!isDir) throw new UsageError(`${command}: --out ${out} is an existing file, not a directory: name a directory (made if missing); the file is left as it is`);
  return dir;
}
