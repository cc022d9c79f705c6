import { lstatSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { lstat, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * The only module of aifb that deletes anything (test/reliability/ownership.test.ts checks
 * that no other file of src/ imports a deleting call). Whatever is removed must be proved
 * aifb's first: a directory by the marker aifb wrote when it made it, a file by having been
 * created by this process or by lying in a directory aifb marked. Anything else is left.
 */

/** Name of the file that proves aifb created a directory, and for which run. */
export const OWNER_MARKER = '.aifb-owner';

/** A directory this process created (or verified) and may remove. */
export interface OwnedDir {
  readonly path: string;
  /** Random per creation: two runs with the same benchmark id never match each other's. */
  readonly token: string;
}

/** What proves a path is aifb's. */
export type Proof =
  /** The path is a directory whose marker holds this token. */
  | { dir: OwnedDir }
  /** The path is a plain file directly inside this owned directory (a benchmark's own files). */
  | { inside: OwnedDir }
  /** The path is a file this process created (createOwnedFile). */
  | { created: true }
  /** The path is a plain file directly inside a directory that holds an aifb marker (state dirs). */
  | { inMarkedDir: true };

export type RemoveOutcome = 'removed' | 'absent' | 'not-ours';

const created = new Set<string>();
const made = new WeakSet<OwnedDir>();

function markerText(token: string, info: Record<string, unknown>): string {
  return JSON.stringify({ token, ...info, host: hostname(), pid: process.pid, created: new Date().toISOString() }) + '\n';
}

function newToken(): string {
  return randomBytes(12).toString('hex');
}

/** Creates a new directory `<parent>/<prefix>XXXXXX` with its marker (parents are made as needed). */
export function createOwnedDirSync(parent: string, prefix: string, info: Record<string, unknown> = {}): OwnedDir {
  mkdirSync(parent, { recursive: true });
  const path = mkdtempSync(join(parent, prefix));
  const token = newToken();
  writeFileSync(join(path, OWNER_MARKER), markerText(token, info), { flag: 'wx', mode: 0o644 });
  const owned = { path, token };
  made.add(owned);
  return owned;
}

/** The same as createOwnedDirSync, without blocking the event loop. */
export async function createOwnedDir(parent: string, prefix: string, info: Record<string, unknown> = {}): Promise<OwnedDir> {
  const path = await mkdtemp(join(parent, prefix));
  const token = newToken();
  await writeFile(join(path, OWNER_MARKER), markerText(token, info), { flag: 'wx', mode: 0o644 });
  const owned = { path, token };
  made.add(owned);
  return owned;
}

/**
 * Makes dir (a long-lived state directory) if it is missing and marks it as aifb's when it
 * is new or empty, so the files aifb keeps there can be removed later by another process.
 * A directory that already held other things stays unmarked: nothing in it will be deleted.
 */
export function markStateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, OWNER_MARKER);
  try {
    lstatSync(marker);
    return;
  } catch {
    // no marker yet
  }
  let empty = false;
  try {
    empty = readdirSync(dir).length === 0;
  } catch {
    return;
  }
  if (empty) writeFileSync(marker, markerText('state', { kind: 'state' }), { flag: 'wx', mode: 0o644 });
}


/** Creates a file only if it does not exist yet, and remembers it as this process's. */
export async function createOwnedFile(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await writeFile(path, data, { flag: 'wx', mode });
  created.add(path);
}

/** The same as createOwnedFile, blocking. */
export function createOwnedFileSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  writeFileSync(path, data, { flag: 'wx', mode });
  created.add(path);
}

function tokenOf(text: string): string | undefined {
  try {
    const t = (JSON.parse(text) as { token?: unknown }).token;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

const isPlainName = (name: string) => name !== '' && name !== '.' && name !== '..' && name !== OWNER_MARKER && !/[/\\\0]/.test(name);

type Kind = 'dir' | 'file' | 'other' | 'absent';
interface Probe {
  kind(path: string): Kind;
  read(path: string): string | undefined;
}

/** Decides, without deleting anything, whether path may be removed, and how. */
function verdict(path: string, proof: Proof, probe: Probe): RemoveOutcome | 'rm-dir' | 'rm-file' {
  const kind = probe.kind(path);
  if (kind === 'absent') return 'absent';
  if ('dir' in proof) {
    if (kind !== 'dir' || path !== proof.dir.path || !made.has(proof.dir)) return 'not-ours';
    return tokenOf(probe.read(join(path, OWNER_MARKER)) ?? '') === proof.dir.token ? 'rm-dir' : 'not-ours';
  }
  if (kind !== 'file') return 'not-ours';
  if ('inside' in proof) {
    return made.has(proof.inside) && dirname(path) === proof.inside.path && isPlainName(basename(path)) ? 'rm-file' : 'not-ours';
  }
  if ('created' in proof) return created.has(path) ? 'rm-file' : 'not-ours';
  return isPlainName(basename(path)) && probe.read(join(dirname(path), OWNER_MARKER)) !== undefined ? 'rm-file' : 'not-ours';
}

function kindOf(st: { isDirectory(): boolean; isFile(): boolean }): Kind {
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

const syncProbe: Probe = {
  kind(path) {
    try {
      return kindOf(lstatSync(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw err;
    }
  },
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/**
 * Removes path if the proof holds, and nothing otherwise: the one way aifb deletes.
 * Symbolic links are never followed (a link is not a directory nor a plain file here).
 */
export function removeOwnedSync(path: string, proof: Proof): RemoveOutcome {
  const v = verdict(path, proof, syncProbe);
  if (v === 'rm-dir') rmSync(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  else if (v === 'rm-file') unlinkSync(path);
  else return v;
  created.delete(path);
  return 'removed';
}

/** The same as removeOwnedSync without blocking; a benchmark's delete operation uses it too. */
export async function removeOwned(path: string, proof: Proof): Promise<RemoveOutcome> {
  if ('inside' in proof) {
    // The hot path of a delete benchmark: checked in memory, one unlink, no extra stat.
    if (!made.has(proof.inside) || dirname(path) !== proof.inside.path || !isPlainName(basename(path))) return 'not-ours';
    await unlink(path);
    return 'removed';
  }
  let kind: Kind;
  try {
    kind = kindOf(await lstat(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  let marker: string | undefined;
  if ('dir' in proof && kind === 'dir') marker = await readFile(join(path, OWNER_MARKER), 'utf8').catch(() => undefined);
  if ('inMarkedDir' in proof) marker = await readFile(join(dirname(path), OWNER_MARKER), 'utf8').catch(() => undefined);
  const v = verdict(path, proof, { kind: () => kind, read: () => marker });
  if (v === 'rm-dir') await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  else if (v === 'rm-file') await unlink(path);
  else return v;
  created.delete(path);
  return 'removed';
}
