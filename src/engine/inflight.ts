import { getEventListeners } from 'node:events';

/** One request in flight: its deadline, its abort controller, and how it ended. */
export interface InFlightRequest<T> {
  /** Settles with the work's result, or rejects when it times out or is cancelled. */
  readonly promise: Promise<T>;
  readonly outcome: 'running' | 'timeout' | 'cancelled';
}

interface Entry extends InFlightRequest<unknown> {
  promise: Promise<unknown>;
  outcome: 'running' | 'timeout' | 'cancelled';
  deadline: number;
  controller: AbortController;
  reject: (reason: unknown) => void;
  /** Position in `entries`, so ending a request is a swap, not a search or a hash-set delete. */
  index: number;
}

const MAX_SPARE = 4096;
const NOT_YET: Promise<never> = new Promise(noop);

/**
 * Deadlines and cancellation for every request of a service, without a timer or signal
 * combinator per request (those cost more than the request itself at high rates). One
 * sweep, every `resolutionMs`, aborts requests past their deadline; `cancelAll` aborts the
 * rest at a hard stop. Either way the request's promise settles at once, even if the
 * backend ignores its signal, so no request can hang a run.
 */
export class InFlight {
  private readonly entries: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly resolutionMs: number;
  /** Controllers of requests that ended normally and left no listener behind, ready for reuse. */
  private readonly spare: AbortController[] = [];

  constructor(private readonly now: () => number, timeoutMs: number) {
    // A tenth of the timeout, at most 100 ms: a timeout fires within 10 % of its value.
    this.resolutionMs = Math.max(1, Math.min(100, timeoutMs / 10));
  }

  /**
   * Runs `work` with a signal; the request's promise resolves with its result or rejects when
   * it times out or is cancelled. `startedAt`: when the caller stamped the start (a clock
   * reading saved per request), else now.
   */
  run<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>, startedAt = this.now()): InFlightRequest<T> {
    // A new AbortSignal per request is a measurable share of a fast request's cost (bench/http).
    const controller = this.spare.pop() ?? new AbortController();
    // Every field set here, `promise` just below, so entries keep one shape.
    const entry: Entry = { promise: NOT_YET, deadline: startedAt + timeoutMs, controller, reject: noop, outcome: 'running', index: this.entries.length };
    this.entries.push(entry);
    // The sweep stops itself once it finds nothing in flight: a timer armed and cleared per
    // request, whenever the service drained between two requests, was garbage at high rates.
    this.timer ??= setInterval(() => this.sweep(), this.resolutionMs);
    // One promise per request: the work's own settlement or an early one from settle().
    entry.promise = new Promise<T>((resolve, reject) => {
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
    return entry as InFlightRequest<T>;
  }

  private forget(entry: Entry): void {
    const i = entry.index;
    if (i < 0) return;
    const last = this.entries.pop()!;
    if (last !== entry) {
      this.entries[i] = last;
      last.index = i;
    }
    entry.index = -1;
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
    if (this.entries.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const t = this.now();
    // Settling removes entries (a swap with the last): walk a copy.
    for (const e of this.entries.slice()) {
      if (e.index >= 0 && e.outcome === 'running' && t >= e.deadline) this.settle(e, 'timeout', new Error('request timed out'));
    }
  }

  private settle(e: Entry, outcome: 'timeout' | 'cancelled', reason: Error): void {
    e.outcome = outcome;
    e.controller.abort(reason);
    e.reject(reason);
  }

  /** Aborts every request still in flight (a hard stop after the grace period). */
  cancelAll(): void {
    for (const e of this.entries.slice()) if (e.index >= 0 && e.outcome === 'running') this.settle(e, 'cancelled', new Error('run stopped'));
  }

  get size(): number {
    return this.entries.length;
  }
}

function noop(): void {}
