import { writeSync } from 'node:fs';
import type { Rng } from '../../../util/rng.js';
import { DIRECT_ALIGNMENT } from './options.js';
import { FS_MSG } from './messages.js';

/** Gives buffers that the configured I/O mode accepts. */
export type Allocate = (bytes: number) => Buffer;

/** Plain buffers, for buffered I/O. */
export const plainAllocate: Allocate = (bytes) => Buffer.allocUnsafeSlow(bytes);

/** V8 aligns backing stores to at least 8 bytes, so probing in steps of 8 finds every candidate. */
const PROBE_STEP = 8;

/**
 * Buffers for O_DIRECT. Node cannot allocate aligned memory nor tell a buffer's address,
 * so we over-allocate by one block and probe offsets with a 4096-byte O_DIRECT write to
 * `probeFd` (a scratch file in our own directory): the kernel answers EINVAL for a
 * misaligned buffer before doing any I/O, and the first offset it accepts is aligned
 * as the filesystem requires. One probe per allocation, never per operation.
 */
export function directAllocate(probeFd: number, dir: string): Allocate {
  return (bytes) => {
    const raw = Buffer.allocUnsafeSlow(Math.max(bytes, DIRECT_ALIGNMENT) + DIRECT_ALIGNMENT);
    for (let off = 0; off < DIRECT_ALIGNMENT; off += PROBE_STEP) {
      try {
        writeSync(probeFd, raw, off, DIRECT_ALIGNMENT, 0);
        return raw.subarray(off, off + bytes);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      }
    }
    throw new Error(FS_MSG.directNoAlignment(dir));
  };
}

/** One seeded payload per size class, so written bytes are reproducible and never built in the timed window. */
export function makePayloads(sizes: readonly number[], rng: Rng, allocate: Allocate): Buffer[] {
  return sizes.map((bytes, i) => {
    const buf = allocate(bytes);
    rng.fork(`payload-${i}`).fill(buf);
    return buf;
  });
}

/**
 * Read buffers, reused across operations: one per concurrent read of each size, so
 * the pool grows to the run's concurrency and then stops allocating.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  constructor(private readonly allocate: Allocate) {}

  acquire(bytes: number): Buffer {
    return this.free.get(bytes)?.pop() ?? this.allocate(bytes);
  }

  release(buf: Buffer): void {
    const list = this.free.get(buf.length);
    if (list) list.push(buf);
    else this.free.set(buf.length, [buf]);
  }
}
