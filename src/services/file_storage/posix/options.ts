import { parseSizeBytes } from '../../../util/units.js';
import type { Rng } from '../../../util/rng.js';
import type { IoEngine } from './fields.js';
import type { LoadProfile } from '../../../recipe/types.js';
import { peakConcurrency } from '../../shared/concurrency.js';

export const SYNC_MODES = ['none', 'fsync', 'fdatasync', 'osync', 'dsync'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** O_DIRECT transfers must be multiples of the logical block size; 4096 covers every common device. */
export const DIRECT_ALIGNMENT = 4096;
/** 4KB is the one default that also works with use_direct_io. */
export const DEFAULT_FILE_SIZES: Record<string, number> = { '4KB': 1 };

export interface SizeClass {
  label: string;
  bytes: number;
  weight: number;
}

/** The sync mode named in a recipe (case-insensitive), or undefined when it is not one we know. */
export function parseSyncMode(value: unknown): SyncMode | undefined {
  if (value === undefined || value === null) return 'none';
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return (SYNC_MODES as readonly string[]).includes(lower) ? (lower as SyncMode) : undefined;
}

/**
 * The size mix of a recipe key (`file_sizes`, `object_sizes`): the sizes of positive weight,
 * with the recipe's labels kept for messages, and a weighted pick among them.
 */
export class SizeMix {
  readonly classes: SizeClass[] = [];
  private readonly cumulative: number[] = [];

  /** Throws when no size has a positive weight (`key` names the recipe key in the message). */
  constructor(mix: Readonly<Record<string, number>>, key: string) {
    let sum = 0;
    for (const [label, weight] of Object.entries(mix)) {
      const bytes = parseSizeBytes(label);
      if (bytes === undefined || !(weight > 0)) continue;
      this.classes.push({ label, bytes, weight });
      this.cumulative.push((sum += weight));
    }
    if (this.classes.length === 0) throw new Error(`${key} has no size with a positive weight`);
  }

  /** The index of a size class, drawn by weight. */
  pick(rng: Rng): number {
    const total = this.cumulative[this.cumulative.length - 1]!;
    const r = rng.next() * total;
    const i = this.cumulative.findIndex((c) => r < c);
    return i === -1 ? this.cumulative.length - 1 : i;
  }
}

/**
 * `auto`: psync when this is one of a service's generator threads (each runs that service
 * alone) and its share of the load is a closed loop of one client, so a blocking call delays
 * no other client or service; libuv otherwise (the main thread may carry other services).
 */
export function engineFor(engine: IoEngine, load: LoadProfile | undefined, generatorCount: number | undefined): 'libuv' | 'psync' {
  if (engine !== 'auto') return engine;
  const ownThread = (generatorCount ?? 1) > 1;
  return ownThread && load !== undefined && load.mode === 'closed' && peakConcurrency(load) === 1 ? 'psync' : 'libuv';
}
