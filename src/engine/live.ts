import { Distribution } from '../metrics/distribution.js';

/** Counters a service's run exposes while it runs (terminal, Prometheus). */
export class LiveStats {
  phase: 'setup' | 'warmup' | 'measuring' | 'draining' | 'teardown' | 'done' | 'failed' = 'setup';
  inFlight = 0;
  issued = 0;
  completed = 0;
  failed = 0;
  dropped = 0;
  warmupRequests = 0;
  readonly latency = new Distribution();
  /** Measured starts' lag behind their intended instant (the client's, not the service's). */
  readonly scheduleLag = new Distribution();
  windowStart: number | undefined;
  /** Planned window length in ms, when known, for progress bars. */
  plannedMs: number | undefined;
}
