import type { Sample } from '../metrics/sample.js';
import type { ServiceStatus } from '../metrics/store.js';
import type { ServiceSpec } from '../recipe/types.js';
import type { LiveStats } from './live.js';

/*
 * Types the orchestrator and the service threads (threads/) share, apart from the
 * orchestrator so the threads' host needs nothing from it.
 */

/** Something that watches a run as it happens. */
export interface RunObserver {
  serviceStarted?(spec: ServiceSpec, live: LiveStats): void;
  /** Every measured sample, after it has been queued for the database. */
  sample?(spec: ServiceSpec, sample: Sample): void;
  serviceEnded?(spec: ServiceSpec, result: ServiceRunResult, live: LiveStats): void;
}

export interface ServiceRunResult {
  name: string;
  status: ServiceStatus;
  error?: string;
  /** The failure came from the recipe (unreachable endpoint, wrong credentials, bad path). */
  badInput?: boolean;
}

