/**
 * How long the closed loops of one thread may run on microtasks alone before they let the
 * event loop turn. An operation that completes synchronously or in a microtask (an
 * embedded engine, a null backend, a cached answer) resolves its client's await at once,
 * and 64 such clients keep the microtask queue full for ever: no timer fires, no socket
 * is read, no row is committed, and another service's answers on the same thread sit
 * unread (issue 17: Faiss beside PGlite, 1 req/s, p50 4 s).
 */
export const TURN_BUDGET_MS = 1;

let lastTurn = performance.now();
let pending: Promise<void> | undefined;
let turns = 0;

function turned(resolve: () => void): void {
  pending = undefined;
  lastTurn = performance.now();
  turns++;
  resolve();
}

/**
 * A promise to await before a closed-loop client's next operation when this thread has
 * gone TURN_BUDGET_MS since the last such turn, else undefined (nothing to allocate). Every
 * client that asks meanwhile gets the same promise, so all of them pause and the
 * microtask queue empties: one setImmediate per millisecond per thread at most, whatever
 * the number of clients or services. The time waited is not the service's: callers take
 * the next operation's intended start after it.
 */
export function turnDue(): Promise<void> | undefined {
  if (pending !== undefined) return pending;
  if (performance.now() - lastTurn < TURN_BUDGET_MS) return undefined;
  return (pending = new Promise<void>((r) => setImmediate(turned, r)));
}

/** Turns forced so far on this thread (tests, and the cost figures in docs/performance.md). */
export function forcedTurns(): number {
  return turns;
}
