import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { SyncMode } from './options.js';

/** open(2) flags for writes and reads under the chosen sync mode and direct I/O. */
export function openFlags(syncMode: SyncMode, direct: boolean): { write: number; read: number } {
  const directFlag = direct ? directFlagOrThrow() : 0;
  let write = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | directFlag;
  if (syncMode === 'osync') write |= constants.O_SYNC;
  if (syncMode === 'dsync') write |= constants.O_DSYNC;
  return { write, read: constants.O_RDONLY | directFlag };
}

export function directFlagOrThrow(): number {
  const flag = constants.O_DIRECT;
  if (flag === undefined) throw new Error('use_direct_io needs O_DIRECT, which this platform does not have');
  return flag;
}

/** Closes quietly on the error path so the first error is the one reported. */
async function withFile<T>(path: string, flags: number, body: (fh: FileHandle) => Promise<T>): Promise<T> {
  const fh = await open(path, flags, 0o644);
  let result: T;
  try {
    result = await body(fh);
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
  // On network filesystems close reports deferred write errors, so it is awaited and may throw.
  await fh.close();
  return result;
}

/** Creates path with exactly data, then syncs as sync_mode asks. */
export function writeWhole(path: string, flags: number, data: Buffer, syncMode: SyncMode, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return withFile(path, flags, async (fh) => {
    let done = 0;
    while (done < data.length) {
      signal.throwIfAborted();
      const { bytesWritten } = await fh.write(data, done, data.length - done, done);
      done += bytesWritten;
    }
    if (syncMode === 'fsync') await fh.sync();
    else if (syncMode === 'fdatasync') await fh.datasync();
  });
}

/** Reads the file from the start into buf (at most buf.length bytes); returns the bytes read. */
export function readWhole(path: string, flags: number, buf: Buffer, signal: AbortSignal): Promise<number> {
  signal.throwIfAborted();
  return withFile(path, flags, async (fh) => {
    let done = 0;
    while (done < buf.length) {
      signal.throwIfAborted();
      const { bytesRead } = await fh.read(buf, done, buf.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  });
}
