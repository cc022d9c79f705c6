import { z } from 'zod';
import { payloadSizeField, sizeField } from '../../../recipe/fields.js';
import { BOUNDS, boundedInt } from '../../../recipe/bounds.js';
import { parseSizeBytes } from '../../../util/units.js';

export const DEFAULT_INITIAL_FILES = 64;

/**
 * How random_read/random_write reach the kernel: `libuv` through Node's thread pool, so one
 * thread keeps many in flight; `psync` as blocking calls on the load's own thread, like
 * fio's psync engine, one client per thread (`generators`); `auto` (the default) psync where
 * the load leaves one closed-loop client per thread, libuv otherwise. psync measured
 * 0.89 × fio's IOPS against libuv's 0.77 ×, write p99 2.0 × against 4.9 ×, at 2 jobs
 * (docs/performance.md).
 */
export const IO_ENGINES = ['auto', 'libuv', 'psync'] as const;
export type IoEngine = (typeof IO_ENGINES)[number];

/** The keys POSIX file storage adds, with their defaults (sizes in bytes once parsed). */
export const posixFields = {
  initial_files: boundedInt(0, BOUNDS.initialItems).default(DEFAULT_INITIAL_FILES),
  verify_reads: z.boolean().default(false),
  /** random_read/random_write (fio's randread/randwrite): block size and working file size. */
  block_size: payloadSizeField.transform((v) => parseSizeBytes(v)!).default(4096),
  block_file_size: sizeField.transform((v) => parseSizeBytes(v)!).default(64 * 1024 * 1024),
  /** fio's ioengine for the block operations: libuv's pool, blocking calls (psync), or auto (default). */
  io_engine: z.enum(IO_ENGINES).default('auto'),
} satisfies z.ZodRawShape;
