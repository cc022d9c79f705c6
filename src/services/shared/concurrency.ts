import type { LoadProfile } from '../../recipe/types.js';

/**
 * The most requests a load profile can have outstanding at once: the closed loop's
 * clients (the largest stage target when stages ramp them), or the open loop's
 * max_in_flight. Backends size connection pools with it, so the pool never becomes a
 * queue inside aifb that would be reported as the service's latency.
 */
export function peakConcurrency(load: LoadProfile): number {
  if (load.mode === 'open') return Math.max(1, load.maxInFlight);
  return Math.max(1, load.clients, ...load.stages.map((s) => Math.ceil(s.target)));
}
