import { tmpdir } from 'node:os';
import { parseSizeBytes } from '../../../util/units.js';

export const SYNC_MODES = ['none', 'fsync', 'fdatasync', 'osync', 'dsync'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** O_DIRECT transfers must be multiples of the logical block size; 4096 covers every common device. */
export const DIRECT_ALIGNMENT = 4096;
export const DEFAULT_INITIAL_FILES = 64;
/** 4KB is the one default that also works with use_direct_io. */
export const DEFAULT_FILE_SIZES: Record<string, number> = { '4KB': 1 };

/**
 * How random_read/random_write reach the kernel: `libuv` (the default) through Node's thread
 * pool, so one thread keeps many in flight; `psync` as blocking calls on the load's own
 * thread, like fio's psync engine, one client per thread (`generators`).
 */
export const IO_ENGINES = ['libuv', 'psync'] as const;
export type IoEngine = (typeof IO_ENGINES)[number];

export interface SizeClass {
  label: string;
  bytes: number;
  weight: number;
}

export interface PosixOptions {
  basePath: string;
  sizes: SizeClass[];
  directIo: boolean;
  syncMode: SyncMode;
  initialFiles: number;
  verifyReads: boolean;
  /** random_read/random_write: block size and the size of the file they work in. */
  blockSize: number;
  blockFileSize: number;
  ioEngine: IoEngine;
}

/** The sync mode named in a recipe (case-insensitive), or undefined when it is not one we know. */
export function parseSyncMode(value: unknown): SyncMode | undefined {
  if (value === undefined || value === null) return 'none';
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return (SYNC_MODES as readonly string[]).includes(lower) ? (lower as SyncMode) : undefined;
}

/** Size classes with positive weight; labels are the recipe's keys, kept for messages. */
export function sizeClassesOf(mix: unknown): SizeClass[] {
  const record = (mix && typeof mix === 'object' ? mix : DEFAULT_FILE_SIZES) as Record<string, unknown>;
  const out: SizeClass[] = [];
  for (const [label, weight] of Object.entries(record)) {
    const bytes = parseSizeBytes(label);
    if (bytes === undefined || typeof weight !== 'number' || !(weight > 0)) continue;
    out.push({ label, bytes, weight });
  }
  return out;
}

/**
 * Reads the backend's options from the service's recipe fields. The recipe was
 * validated before, so bad values here are programming errors and throw.
 */
export function posixOptionsOf(fields: Readonly<Record<string, unknown>>): PosixOptions {
  const syncMode = parseSyncMode(fields.sync_mode);
  if (syncMode === undefined) throw new Error(`invalid sync_mode ${String(fields.sync_mode)}`);
  const sizes = sizeClassesOf(fields.file_sizes);
  if (sizes.length === 0) throw new Error('file_sizes has no size with a positive weight');
  return {
    basePath: typeof fields.base_path === 'string' && fields.base_path !== '' ? fields.base_path : tmpdir(),
    sizes,
    directIo: fields.use_direct_io === true,
    syncMode,
    initialFiles: typeof fields.initial_files === 'number' ? fields.initial_files : DEFAULT_INITIAL_FILES,
    verifyReads: fields.verify_reads === true,
    blockSize: sizeOr(fields.block_size, 4096),
    blockFileSize: sizeOr(fields.block_file_size, 64 * 1024 * 1024),
    ioEngine: fields.io_engine === 'psync' ? 'psync' : 'libuv',
  };
}

function sizeOr(value: unknown, fallback: number): number {
  return (typeof value === 'number' || typeof value === 'string' ? parseSizeBytes(value) : undefined) ?? fallback;
}
