/**
 * What a service thread (entry.ts) and the run's own thread (host.ts) say to each other.
 * Rows travel as packed blocks (metrics/packed-block.ts: numbers in shared memory, a few
 * texts copied), so a row is packed once, by the thread that measured it.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ClientLoadFigures } from '../../metrics/client-load.js';
import type { PackedBlock } from '../../metrics/packed-block.js';
import type { ServiceRecord } from '../../metrics/store.js';
import type { ServiceSpec } from '../../recipe/types.js';
import type { LogLevel } from '../../util/log.js';
import type { LiveStats } from '../live.js';
import type { ServiceRunResult } from '../types.js';
import type { ScrubState } from '../../util/scrub.js';

export interface ServiceThreadData {
  /** This thread's share of the service (its generator's), launcher removed: the host launched it. */
  spec: ServiceSpec;
  generator: number;
  benchmarkId: string;
  /** A module exporting the backend registry as `registry` (threads cannot be handed the host's object). */
  registryModule: string;
  /** The run's origin on the host's clock, its Unix time, and the host's performance.timeOrigin. */
  origin: { originMs: number; originEpochMs: number; timeOrigin: number };
  /** Added to this thread's client ids, so generators' clients stay distinct. */
  clientOffset: number;
  /** Sleeps may poll each loop turn (false when the run's threads outnumber the cores). */
  poll: boolean;
  graceMs: number;
  /** The run's secrets, so this thread's messages and rows are scrubbed as the host's are. */
  scrub: ScrubState;
  setupTimeoutMs: number | undefined;
  port: MessagePort;
  /** [0]: rows the host has taken off this thread's hands (committed, or kept for a retry). */
  taken: Int32Array;
}

/** The live counters a thread shows the host (the host counts completions itself, from the rows). */
export type LiveSnapshot = Pick<LiveStats, 'phase' | 'inFlight' | 'issued' | 'dropped' | 'warmupRequests' | 'windowStart' | 'plannedMs'>;

export type ToHost =
  | { t: 'rows'; blocks: PackedBlock[]; rows: number }
  | { t: 'service'; record: ServiceRecord }
  | { t: 'client'; service: string; figures: ClientLoadFigures }
  | { t: 'gate'; gate: 'start' | 'end' }
  | { t: 'live'; live: LiveSnapshot }
  | { t: 'log'; level: LogLevel; msg: string }
  | { t: 'done'; result: ServiceRunResult };

export type ToThread = { t: 'open'; gate: 'start' | 'end' } | { t: 'stop' } | { t: 'free'; nums: Float64Array[] };
