import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Watches this process's event-loop delay until the test ends. When a client and a server
 * share the process, whatever passes between them waits for the loop: a request for the
 * server's next poll, a chunk for the client's. Each such wait lasts at most about two turns
 * of the loop, and no turn lasts longer than the longest delay seen here, so a tolerance
 * on those waits can scale with `maxMs()`: a busy machine widens it instead of failing the
 * test, and a quiet one keeps it tight.
 */
export function watchLoopDelay(t: { after(fn: () => void): void }): { maxMs(): number } {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  t.after(() => h.disable());
  // Nanoseconds; 0 until the first sample.
  return { maxMs: () => h.max / 1e6 };
}
