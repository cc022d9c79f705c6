/**
 * Blocking waits for test helpers that start daemons synchronously (Slurm clusters):
 * they run before any test and have no event loop work to yield to.
 */

/** Blocks the thread for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Polls `ok()` every `everyMs` until it holds or `ms` pass; returns whether it held. */
export function untilSync(ok: () => boolean, ms: number, everyMs = 200): boolean {
  const end = Date.now() + ms;
  for (;;) {
    if (ok()) return true;
    if (Date.now() > end) return false;
    sleepSync(everyMs);
  }
}
