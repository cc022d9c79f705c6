import { lstat, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { AifbError } from '../../../errors.js';
import { FS_MSG } from './messages.js';

/** Name of the file that proves aifb created a directory, and for which run. */
export const OWNER_MARKER = '.aifb-owner';
const DIR_PREFIX = 'aifb-';

/** Why a base path is refused without touching the disk, or undefined when it is acceptable so far. */
export function refusedBaseReason(base: string): string | undefined {
  const abs = resolve(base);
  if (abs === '/') return FS_MSG.refusedRoot(base);
  if (abs === resolve(homedir())) return FS_MSG.refusedHome(base);
  return undefined;
}

async function realOrResolved(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    return resolve(p);
  }
}

/**
 * The real directory to work under. Symlinks are resolved first so that a link
 * pointing at `/` or at the home directory is refused like the directory itself.
 */
export async function resolveBase(base: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(base);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AifbError('bad-input', FS_MSG.baseMissing(base), { cause: err });
    throw new AifbError('bad-input', FS_MSG.baseUnusable(base, (err as Error).message), { cause: err });
  }
  if (real === '/') throw new AifbError('bad-input', FS_MSG.refusedRoot(base));
  if (real === (await realOrResolved(homedir()))) throw new AifbError('bad-input', FS_MSG.refusedHome(base));
  if (!(await stat(real)).isDirectory()) throw new AifbError('bad-input', FS_MSG.baseNotDir(base));
  return real;
}

/** Keeps directory names portable and short whatever the recipe calls things. */
export function sanitise(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 48);
  return clean === '' ? 'x' : clean;
}

/** Creates a new directory `aifb-<id>-<service>-XXXXXX` under base, marked as this run's. */
export async function createOwnedDir(base: string, benchmarkId: string, service: string): Promise<string> {
  const dir = await mkdtemp(join(base, `${DIR_PREFIX}${sanitise(benchmarkId)}-${sanitise(service)}-`));
  const marker = { benchmark_id: benchmarkId, service, host: hostname(), pid: process.pid, created: new Date().toISOString() };
  await writeFile(join(dir, OWNER_MARKER), JSON.stringify(marker) + '\n', { flag: 'wx', mode: 0o644 });
  return dir;
}

async function markerOwner(dir: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, OWNER_MARKER), 'utf8'));
    const id = (parsed as { benchmark_id?: unknown }).benchmark_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export type RemoveOutcome = 'removed' | 'absent' | 'not-ours';

/**
 * Removes dir only if it is a real directory with our name pattern and a marker naming
 * this run; otherwise removes nothing, so a mistake never deletes data aifb did not write.
 */
export async function removeOwnedDir(dir: string, benchmarkId: string): Promise<RemoveOutcome> {
  if (!basename(dir).startsWith(DIR_PREFIX)) return 'not-ours';
  try {
    if (!(await lstat(dir)).isDirectory()) return 'not-ours';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  if ((await markerOwner(dir)) !== benchmarkId) return 'not-ours';
  // Retries cover a straggling operation that creates a file while the tree is removed.
  await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  return 'removed';
}
