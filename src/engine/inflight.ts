import { getEventListeners } from 'node:events';

/** One request in flight: its deadline, its abort controller, and how to settle it early. */
interface Entry {
  deadline: number;
  controller: AbortController;
  reject: (reason: unknown) => void;
  outcome: 'running' | 'timeout' | 'cancelled';
}

const MAX_SPARE = 4096;

/**
 * Deadlines and cancellation for every request of a service, without a timer or signal
 * combinator per request (those cost more than the request itself at high rates). One
 * sweep, every `resolutionMs`, aborts requests past their deadline; `cancelAll` aborts the
 * rest at a hard stop. Either way the request's promise settles at once, even if the
 * backend ignores its signal, so no request can hang a run.
 */
export class InFlight {
  private readonly entries = new Set<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private readonly resolutionMs: number;
  /** Controllers of requests that ended normally and left no listener behind, ready for reuse. */
  private readonly spare: AbortController[] = [];

  constructor(private readonly now: () => number, timeoutMs: number) {
    // A tenth of the timeout, at most 100 ms: a timeout fires within 10 % of its value.
    this.resolutionMs = Math.max(1, Math.min(100, timeoutMs / 10));
  }

  /** Runs `work` with a signal; resolves with its result or rejects when it times out or is cancelled. */
  run<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): { promise: Promise<T>; outcome: () => Entry['outcome'] } {
    // A new AbortSignal per request is a measurable share of a fast request's cost (bench/http).
    const controller = this.spare.pop() ?? new AbortController();
    const entry: Entry = { deadline: this.now() + timeoutMs, controller, reject: () => {}, outcome: 'running' };
    this.entries.add(entry);
    this.timer ??= setInterval(() => this.sweep(), this.resolutionMs);
    // One promise per request: the work's own settlement or an early one from settle().
    const promise = new Promise<T>((resolve, reject) => {
      entry.reject = (reason) => {
        this.forget(entry);
        reject(reason);
      };
      work(controller.signal).then(
        (value) => {
          this.forget(entry);
          this.recycle(entry);
          resolve(value);
        },
        entry.reject,
      );
    });
    return { promise, outcome: () => entry.outcome };
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry);
    if (this.entries.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * Keeps the controller of a request that ended on its own, unless a listener is still
   * attached to its signal (a library that did not clean up): reusing that one could let
   * a later abort reach an operation that already ended.
   */
  private recycle(entry: Entry): void {
    const { signal } = entry.controller;
    if (entry.outcome === 'running' && !signal.aborted && this.spare.length < MAX_SPARE && getEventListeners(signal, 'abort').length === 0) {
      this.spare.push(entry.controller);
    }
  }

  private sweep(): void {
    const t = this.now();
    for (const e of this.entries) {
      if (e.outcome === 'running' && t >= e.deadline) this.settle(e, 'timeout', new Error('request timed out'));
    }
  }

  private settle(e: Entry, outcome: 'timeout' | 'cancelled', reason: Error): void {
    e.outcome = outcome;
    e.controller.abort(reason);
    e.reject(reason);
  }

  /** Aborts every request still in flight (a hard stop after the grace period). */
  cancelAll(): void {
    for (const e of this.entries) if (e.outcome === 'running') this.settle(e, 'cancelled', new Error('run stopped'));
  }

  get size(): number {
    return this.entries.size;
  }
}
