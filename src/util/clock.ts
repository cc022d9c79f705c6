import { setTimeout as delay } from 'node:timers/promises';
import { waitForTurn } from './turn-poller.js';

/** Below this a timer is too coarse (whole ms, may fire early or late): poll each loop turn instead. */
const POLL_BELOW_MS = 2;
let polling = true;

/**
 * Whether this thread's sleeps poll each loop turn for their last milliseconds (precise,
 * but the thread keeps its core meanwhile). Service threads that outnumber the cores turn
 * it off (engine/threads): several threads polling at once took the cores from the work
 * itself (the quickstart's services starved each other). Without it a sleep ends on a
 * timer, up to about a millisecond late, and the lag shows in schedule_lag.
 */
export function setSleepPolling(on: boolean): void {
  polling = on;
}

/**
 * Time as the engine sees it. `now()` is monotonic milliseconds; `wallAt()` turns a
 * monotonic instant into Unix milliseconds through one anchor taken at start, so
 * stored timestamps never jump with NTP. Injected so schedules are unit-testable.
 */
export interface Clock {
  now(): number;
  wallAt(monotonicMs: number): number;
  /** Resolves at `until` (monotonic ms) or rejects with the signal's reason. */
  sleepUntil(until: number, signal?: AbortSignal): Promise<void>;
}

export function systemClock(): Clock {
  const anchorMono = performance.now();
  const anchorWall = Date.now();
  return {
    now: () => performance.now(),
    wallAt: (mono) => anchorWall + (mono - anchorMono),
    sleepUntil(until, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      // Timers work in whole milliseconds and fire up to 1 ms early or late: sleep on one
      // until about a millisecond before, then check each turn of the event loop, so a
      // start is neither early nor a timer tick late (schedule lag at 10k req/s). Not an
      // async function: at 10k sleeps/s its extra promise was garbage worth avoiding.
      const wait = until - performance.now();
      if (!polling) {
        // A timer may fire up to 1 ms early: the rare early one finishes on a turn or two.
        return delay(Math.max(1, Math.ceil(wait)), undefined, signal ? { signal } : undefined).then(() =>
          until > performance.now() ? waitForTurn(until, signal) : undefined,
        );
      }
      if (wait < POLL_BELOW_MS) return waitForTurn(until, signal);
      return delay(Math.floor(wait - 1), undefined, signal ? { signal } : undefined).then(() =>
        until > performance.now() ? waitForTurn(until, signal) : undefined,
      );
    },
  };
}

/**
 * A clock that only moves when told to. Sleepers wake in order of their deadline
 * as `advance` passes it, which lets tests drive a whole schedule in microseconds.
 */
export class ManualClock implements Clock {
  private current = 0;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(private readonly wallStart = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  wallAt(mono: number): number {
    return this.wallStart + mono;
  }

  sleepUntil(until: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (until <= this.current) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(signal?.reason);
      };
      const entry = {
        until,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward, waking sleepers (and letting their continuations run) in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      this.sleepers.sort((a, b) => a.until - b.until);
      const first = this.sleepers[0];
      if (!first || first.until > target) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, first.until);
      first.resolve();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}

/**
 * CLOCK_MONOTONIC (process.hrtime, system-wide on Linux) minus this process's
 * performance.now(), in ms. Both read the same clock, so the offset is constant; adding it
 * puts a performance.now() instant on a time line every process of the host shares, which
 * is how a client and a server in different processes compare instants (the LLM
 * simulator's truth against aifb's token arrivals) without wall-clock error.
 */
export function monotonicOffsetMs(): number {
  // Each reading is taken between two performance.now() calls and is off by at most half
  // their distance, which is a few microseconds, unless the thread was preempted in between:
  // then by half the preemption (10-20 ms at load 8 on two cores), and with it every instant
  // put on the shared line. The narrowest of several readings is never such a one.
  let width = Infinity;
  let offset = 0;
  for (let i = 0; i < 16; i++) {
    const before = performance.now();
    const mono = process.hrtime.bigint();
    const after = performance.now();
    if (after - before < width) {
      width = after - before;
      offset = Number(mono) / 1e6 - (before + after) / 2;
    }
  }
  return offset;
}
