import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { createOwnedDir, removeOwned, type OwnedDir, type RemoveOutcome } from '../../../util/owned.js';
import { AifbError } from '../../../errors.js';
import { FS_MSG } from './messages.js';

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
export async function createRunDir(base: string, benchmarkId: string, service: string): Promise<OwnedDir> {
  return createOwnedDir(base, `${DIR_PREFIX}${sanitise(benchmarkId)}-${sanitise(service)}-`, { benchmark_id: benchmarkId, service });
}

/**
 * Removes the run's directory only if it is still the real directory this run made, with
 * its marker; otherwise removes nothing, so a mistake never deletes data aifb did not write.
 */
export async function removeRunDir(dir: OwnedDir): Promise<RemoveOutcome> {
  if (!basename(dir.path).startsWith(DIR_PREFIX)) return 'not-ours';
  return removeOwned(dir.path, { dir });
}
