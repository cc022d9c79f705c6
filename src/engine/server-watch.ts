import type { ServerMetricsSource } from '../services/contract.js';
import type { ServerScrape, ServerWatchResult } from '../metrics/server-metrics.js';
import type { Clock } from '../util/clock.js';

/** A server that never answered its metrics this many times in a row has none: stop asking. */
const GIVE_UP_AFTER = 3;
const BODY_LIMIT = 200;
const BEFORE = new Set(['setup', 'warmup']);
/** How often the load's phase is looked at, to scrape the moment warm-up ends. */
const PHASE_POLL_MS = 20;

/**
 * Scrapes a service's server metrics from now until `stop()`: one scrape at once (the
 * counters' starting values), one every interval, one at stop (their end values). A
 * failed scrape is counted and its text kept, never fatal to the run; after a success,
 * failures do not end the watch (a server restarted mid-run comes back).
 */
export function watchServer(source: ServerMetricsSource, clock: Clock, phase: () => string = () => 'measuring'): { stop(): Promise<ServerWatchResult> } {
  const scrapes: ServerScrape[] = [];
  let failures = 0;
  let inRow = 0;
  let lastError: string | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();
  const timeoutMs = Math.max(250, Math.min(source.intervalMs, 5000));

  // A scrape sent before the measured window began is a baseline of the counters; the one
  // sent the moment warm-up ends is the last baseline, so warm-up requests are not counted.
  const once = async (before = BEFORE.has(phase())): Promise<void> => {
    try {
      const res = await fetch(source.url, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, BODY_LIMIT).trim()}` : ''}`);
      const reading = source.read(text);
      scrapes.push({ atMs: clock.now(), before, counters: reading.counters, gauges: reading.gauges });
      inRow = 0;
    } catch (err) {
      failures++;
      inRow++;
      const e = err as Error & { cause?: { code?: string } };
      lastError = e.cause?.code ? `${e.message} (${e.cause.code})` : e.message;
    }
  };
  const tick = () => {
    if (stopped) return;
    if (scrapes.length === 0 && inRow >= GIVE_UP_AFTER) return;
    pending = once().then(() => {
      if (!stopped) timer = setTimeout(tick, source.intervalMs).unref();
    });
  };
  tick();
  let last = phase();
  const phases = setInterval(() => {
    const now = phase();
    if (last === 'warmup' && now !== 'warmup') pending = pending.then(() => once(true));
    last = now;
  }, PHASE_POLL_MS).unref();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(phases);
      await pending;
      if (scrapes.length > 0 || inRow < GIVE_UP_AFTER) await once();
      return { url: withoutCredentials(source.url), intervalMs: source.intervalMs, scrapes, failures, lastError };
    },
  };
}

/** The URL as stored and reported: a user and password in it (`http://u:p@host/metrics`) never leave the run. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * A service's watch as the orchestrator drives it: `start()` when its load starts,
 * `stop()` when it ends (then `save` gets what was seen); both may be called more than
 * once (a failure's cleanup calls stop again) and stop before start does nothing.
 */
export function serverWatchFor(source: ServerMetricsSource, clock: Clock, phase: () => string, save: (w: ServerWatchResult) => void): { start(): void; stop(): Promise<void> } {
  let running: ReturnType<typeof watchServer> | undefined;
  let done: Promise<void> | undefined;
  return {
    start() {
      if (!running && !done) running = watchServer(source, clock, phase);
    },
    stop() {
      if (!done && running) done = running.stop().then(save);
      return done ?? Promise.resolve();
    },
  };
}
