import { constants, fdatasyncSync, fsyncSync, readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Rng } from '../../../util/rng.js';
import type { SyncMode } from './options.js';

const FILL_CHUNK = 1024 * 1024;

/**
 * fio-style random block I/O: one preallocated file the run owns, read and written in
 * `blockSize` blocks at random aligned offsets through one descriptor (positioned I/O is
 * safe concurrently). It lets a recipe run the same job as `fio --rw=randrw --bs=4k`.
 */
export class BlockFile {
  private fh: FileHandle | undefined;
  readonly blocks: number;

  constructor(
    private readonly path: string,
    fileSize: number,
    readonly blockSize: number,
    private readonly syncMode: SyncMode,
    private readonly directFlag: number,
    private readonly engine: 'libuv' | 'psync' = 'libuv',
  ) {
    this.blocks = Math.max(1, Math.floor(fileSize / blockSize));
  }

  /** Creates the file and fills it with random bytes, so reads hit real data, not holes. */
  async create(rng: Rng, allocate: (size: number) => Buffer): Promise<void> {
    let flags = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | this.directFlag;
    if (this.syncMode === 'osync') flags |= constants.O_SYNC;
    if (this.syncMode === 'dsync') flags |= constants.O_DSYNC;
    this.fh = await open(this.path, flags, 0o600);
    const total = this.blocks * this.blockSize;
    const chunk = allocate(Math.min(FILL_CHUNK, total));
    rng.fill(chunk);
    for (let done = 0; done < total; ) {
      const n = Math.min(chunk.length, total - done);
      const { bytesWritten } = await this.fh.write(chunk, 0, n, done);
      done += bytesWritten;
    }
    await this.fh.sync();
  }

  /** A random block-aligned offset (chosen in prepare, outside the timed window). */
  offset(rng: Rng): number {
    return rng.int(this.blocks) * this.blockSize;
  }

  async read(buf: Buffer, offset: number, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    if (this.engine === 'psync') return readSync(this.handle().fd, buf, 0, this.blockSize, offset);
    const { bytesRead } = await this.handle().read(buf, 0, this.blockSize, offset);
    return bytesRead;
  }

  async write(data: Buffer, offset: number, signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    const fh = this.handle();
    if (this.engine === 'psync') {
      // fio's psync: the calls block this thread, with no hop to libuv's pool and back per call.
      const n = writeSync(fh.fd, data, 0, this.blockSize, offset);
      if (this.syncMode === 'fsync') fsyncSync(fh.fd);
      else if (this.syncMode === 'fdatasync') fdatasyncSync(fh.fd);
      return n;
    }
    const { bytesWritten } = await fh.write(data, 0, this.blockSize, offset);
    if (this.syncMode === 'fsync') await fh.sync();
    else if (this.syncMode === 'fdatasync') await fh.datasync();
    return bytesWritten;
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  private handle(): FileHandle {
    if (!this.fh) throw new Error('file_storage: block file used before setup');
    return this.fh;
  }
}
