/**
 * Waits `ms`, or less if the signal aborts; never rejects. For polling loops (readiness,
 * Slurm job states) that must notice a stop at once and then tidy up themselves.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
