/** One request in flight: its deadline, its abort controller, and how to settle it early. */
interface Entry {
  deadline: number;
  controller: AbortController;
  reject: (reason: unknown) => void;
  outcome: 'running' | 'timeout' | 'cancelled';
}

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

  constructor(private readonly now: () => number, timeoutMs: number) {
    // A tenth of the timeout, at most 100 ms: a timeout fires within 10 % of its value.
    this.resolutionMs = Math.max(1, Math.min(100, timeoutMs / 10));
  }

  /** Runs `work` with a signal; resolves with its result or rejects when it times out or is cancelled. */
  run<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): { promise: Promise<T>; outcome: () => Entry['outcome'] } {
    const controller = new AbortController();
    const entry: Entry = { deadline: this.now() + timeoutMs, controller, reject: () => {}, outcome: 'running' };
    const promise = new Promise<T>((resolve, reject) => {
      entry.reject = reject;
      work(controller.signal).then(resolve, reject);
    });
    this.entries.add(entry);
    this.timer ??= setInterval(() => this.sweep(), this.resolutionMs);
    const done = () => {
      this.entries.delete(entry);
      if (this.entries.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
    promise.then(done, done);
    return { promise, outcome: () => entry.outcome };
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
