import { setMaxListeners } from 'node:events';
import type { Adapter, OperationResult } from '../services/contract.js';
import type { ClosedLoad, OpenLoad, ServiceSpec } from '../recipe/types.js';
import type { Sample } from '../metrics/sample.js';
import type { Clock } from '../util/clock.js';
import type { Rng } from '../util/rng.js';
import { ArrivalSchedule } from './arrivals.js';
import { classifyThrown, completeResult } from './classify.js';
import { LevelCurve } from './level.js';
import { LiveStats } from './live.js';
import { OperationPicker } from './mix.js';
import { InFlight } from './inflight.js';
import { turnDue } from './turns.js';

export interface RunServiceOptions {
  spec: ServiceSpec;
  adapter: Adapter;
  clock: Clock;
  rng: Rng;
  /** Receives every measured sample (warm-up ones are only counted). */
  onSample(sample: Sample): void;
  /** Aborting it stops new starts; in-flight requests get `graceMs` to finish. */
  stop: AbortSignal;
  graceMs?: number;
  live?: LiveStats;
}

export interface ServiceOutcome {
  windowStart: number | undefined;
  windowEnd: number | undefined;
  issueEnd: number | undefined;
  /** Measured starts the schedule asked for (issued + dropped). */
  scheduled: number;
  dropped: number;
  warmupRequests: number;
  /** In-flight requests aborted because the run was stopped (not service failures). */
  cancelled: number;
  interrupted: boolean;
}

// How long an idle closed-loop client waits before checking the level again.
const IDLE_POLL_MS = 50;
// Starts issued back to back before yielding to I/O, so a late schedule cannot starve responses.
const BURST_BEFORE_YIELD = 64;

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Drives one service with its load profile. Latency of each request runs from its
 * intended start (the schedule's, or a closed-loop client's ready time), so a slow
 * service cannot hide its queueing (no coordinated omission).
 */
export class ServiceRunner {
  private readonly live: LiveStats;
  private readonly picker: OperationPicker;
  private readonly inflight: InFlight;
  /** Open-loop requests not awaited by their issuer: the drain waits for them. */
  private detached = 0;
  private onDetachedDone: (() => void) | undefined;
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private windowStart: number | undefined;
  private issueEnd: number | undefined;
  private lastCompletion: number | undefined;
  private measuredIssued = 0;
  private dropped = 0;
  private warmupCompleted = 0;
  private cancelled = 0;
  private stopped = false;
  private warmupEndsAt: number | undefined;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RunServiceOptions) {
    this.live = o.live ?? new LiveStats();
    this.picker = new OperationPicker(o.spec.mix);
    this.inflight = new InFlight(() => o.clock.now(), o.spec.timeoutMs);
    o.stop.addEventListener(
      'abort',
      () => {
        this.stopped = true;
        this.graceTimer = setTimeout(() => this.inflight.cancelAll(), o.graceMs ?? 5000);
      },
      { once: true },
    );
  }

  async run(): Promise<ServiceOutcome> {
    const load = this.o.spec.load;
    const start = this.o.clock.now();
    this.live.plannedMs = load.durationMs;
    if (load.warmup.kind === 'none') this.openWindow(start);
    else {
      this.live.phase = 'warmup';
      if (load.warmup.kind === 'time') this.warmupEndsAt = start + load.warmup.ms;
    }
    if (load.mode === 'open') await this.runOpen(load, start);
    else await this.runClosed(load);
    // The offered load ends at the scheduled end unless the run was stopped first.
    const scheduledEnd =
      this.windowStart !== undefined && load.durationMs !== undefined && load.requests === undefined
        ? this.windowStart + load.durationMs
        : undefined;
    this.issueEnd ??= this.o.stop.aborted || scheduledEnd === undefined ? this.o.clock.now() : scheduledEnd;
    await this.drain();
    return {
      windowStart: this.windowStart,
      windowEnd: this.windowStart === undefined ? undefined : Math.max(this.issueEnd, this.lastCompletion ?? 0),
      issueEnd: this.issueEnd,
      scheduled: this.measuredIssued + this.dropped,
      dropped: this.dropped,
      warmupRequests: this.warmupCompleted,
      cancelled: this.cancelled,
      interrupted: this.o.stop.aborted,
    };
  }

  private openWindow(at: number): void {
    if (this.windowStart !== undefined) return;
    this.windowStart = at;
    this.live.windowStart = at;
    this.live.phase = 'measuring';
  }

  /** Moves from warm-up to measuring when the warm-up's time has passed. */
  private checkWarmupTime(t: number): void {
    if (this.windowStart === undefined && this.warmupEndsAt !== undefined && t >= this.warmupEndsAt) {
      this.openWindow(this.warmupEndsAt);
    }
  }

  /** True when no further measured start should be issued at time t. */
  private finished(t: number): boolean {
    if (this.stopped) return true;
    if (this.windowStart === undefined) return false;
    const load = this.o.spec.load;
    if (load.requests !== undefined && this.measuredIssued >= load.requests) return true;
    if (load.durationMs !== undefined && t >= this.windowStart + load.durationMs) {
      this.issueEnd ??= this.windowStart + load.durationMs;
      return true;
    }
    return false;
  }

  private async runOpen(load: OpenLoad, start: number): Promise<void> {
    const { clock } = this.o;
    const warmLevel = load.rate > 0 ? load.rate : (load.stages[0]?.target ?? 0);
    const measuredSchedule = () =>
      new ArrivalSchedule(load.rate, load.stages, load.arrival, load.burstiness, this.o.rng.fork('arrivals'), load.exactCount ? load.durationMs : undefined);
    let schedule =
      this.windowStart === undefined
        ? new ArrivalSchedule(warmLevel, [], load.arrival, load.burstiness, this.o.rng.fork('warmup-arrivals'))
        : measuredSchedule();
    let origin = start;
    let warm = this.windowStart === undefined;
    let burst = 0;
    for (;;) {
      const offset = schedule.next();
      if (offset === undefined) break;
      const intended = origin + offset;
      this.checkWarmupTime(intended);
      if (warm && this.windowStart !== undefined && intended >= this.windowStart) {
        // Warm-up is over: the measured schedule (and its stages) starts at the window's start.
        warm = false;
        schedule = measuredSchedule();
        origin = this.windowStart;
        continue;
      }
      if (this.finished(intended)) break;
      const operation = this.picker.pick(this.o.rng);
      const op = this.o.adapter.prepare(operation, this.o.rng, undefined, intended - clock.now());
      if (intended > clock.now()) {
        burst = 0;
        try {
          await clock.sleepUntil(intended, this.o.stop);
        } catch {
          this.o.adapter.release?.(op, undefined);
          break;
        }
      } else if (++burst % BURST_BEFORE_YIELD === 0) {
        await yieldToEventLoop();
      }
      const measured = this.windowStart !== undefined && intended >= this.windowStart;
      if (this.live.inFlight >= load.maxInFlight) {
        if (measured) {
          this.dropped++;
          this.live.dropped++;
        }
        this.o.adapter.release?.(op, undefined);
        continue;
      }
      if (measured) this.measuredIssued++;
      this.detached++;
      void this.fire(intended, this.takeId(), operation, op, true);
    }
  }

  private async runClosed(load: ClosedLoad): Promise<void> {
    const warmLevel = load.clients > 0 ? load.clients : (load.stages[0]?.target ?? 0);
    const curve = new LevelCurve(load.clients, load.stages);
    const maxClients = Math.ceil(Math.max(curve.max(), warmLevel));
    const level = (t: number) => (this.windowStart === undefined ? warmLevel : curve.at(t - this.windowStart));
    // Every client sleeps on the run's stop signal, so it wakes at once on a stop: one abort
    // listener per client is the design (runBenchmark lifts the limit for a whole run; this
    // covers a runner driven alone).
    setMaxListeners(0, this.o.stop);
    const clients = Array.from({ length: maxClients }, (_, id) => this.clientLoop(id, load, level));
    await Promise.all(clients);
  }

  private async clientLoop(id: number, load: ClosedLoad, level: (t: number) => number): Promise<void> {
    const { clock } = this.o;
    // A client's clock readings are shared where nothing happens between them: each costs a
    // measurable share of a fast request (docs/performance.md, PostgreSQL select-only).
    let now = clock.now();
    let ready = now;
    for (;;) {
      this.checkWarmupTime(now);
      if (this.finished(Math.max(now, ready))) return;
      if (id >= Math.round(level(now))) {
        try {
          await clock.sleepUntil(now + IDLE_POLL_MS, this.o.stop);
        } catch {
          return;
        }
        now = ready = clock.now();
        continue;
      }
      const operation = this.picker.pick(this.o.rng);
      const op = this.o.adapter.prepare(operation, this.o.rng, id);
      // With no think time the client is already due: skip the sleep's promise.
      if (ready > now) {
        try {
          await clock.sleepUntil(ready, this.o.stop);
        } catch {
          this.o.adapter.release?.(op, undefined);
          return;
        }
      } else if (this.stopped) {
        this.o.adapter.release?.(op, undefined);
        return;
      }
      this.checkWarmupTime(ready);
      if (this.finished(ready)) {
        this.o.adapter.release?.(op, undefined);
        return;
      }
      if (this.windowStart !== undefined && ready >= this.windowStart) this.measuredIssued++;
      const pause = await this.fire(ready, id, operation, op, false);
      // An operation that completed in a microtask never gave the event loop a turn.
      const turn = turnDue();
      if (turn !== undefined) await turn;
      now = clock.now();
      ready = now + load.thinkTimeMs + pause;
    }
  }

  private takeId(): number {
    return this.freeIds.pop() ?? this.nextId++;
  }

  /**
   * Performs one operation and records it; never throws. Resolves to the pause the backend
   * asked for after it. An open-loop request (`detached`) also gives back its pooled client
   * id and is counted out of the drain; no promise or set entry per request tracks it.
   */
  private async fire(intended: number, clientId: number, operation: string, op: unknown, detached: boolean): Promise<number> {
    const { clock, adapter, spec } = this.o;
    this.live.inFlight++;
    this.live.issued++;
    const actualStart = clock.now();
    const request = this.inflight.run(spec.timeoutMs, (signal) => adapter.execute(op, signal), actualStart);
    let result: OperationResult;
    try {
      result = completeResult(await request.promise);
    } catch (err) {
      const outcome = request.outcome;
      result = classifyThrown(err, outcome === 'timeout', outcome === 'cancelled');
    }
    const end = completedAt(clock.now(), actualStart, result);
    try {
      adapter.release?.(op, result);
    } catch {
      // Bookkeeping must never lose the sample.
    }
    this.live.inFlight--;
    if (detached) this.freeIds.push(clientId);
    try {
      this.record(intended, actualStart, end, clientId, operation, result);
    } finally {
      if (detached && --this.detached === 0) this.onDetachedDone?.();
    }
    const pause = result.pauseAfterMs;
    return typeof pause === 'number' && pause > 0 ? pause : 0;
  }

  private record(intended: number, actualStart: number, end: number, clientId: number, operation: string, r: OperationResult): void {
    const measured = this.windowStart !== undefined && intended >= this.windowStart;
    if (!measured) {
      this.warmupCompleted++;
      this.live.warmupRequests++;
      const w = this.o.spec.load.warmup;
      if (w.kind === 'requests' && this.warmupCompleted >= w.count) this.openWindow(end);
      return;
    }
    if (r.errorClass === 'cancelled') {
      this.cancelled++;
      return;
    }
    this.lastCompletion = Math.max(this.lastCompletion ?? 0, end);
    this.live.completed++;
    if (!r.ok) this.live.failed++;
    this.live.latency.record(end - intended);
    this.live.scheduleLag.record(actualStart - intended);
    const sample: Sample = {
      service: this.o.spec.name,
      clientId,
      operation,
      intendedStart: intended,
      actualStart,
      end,
      ok: r.ok,
      status: r.status ?? null,
      errorClass: r.ok ? null : (r.errorClass ?? 'other'),
      message: r.ok ? null : (r.message ?? null),
      bytesIn: r.bytesIn ?? 0,
      bytesOut: r.bytesOut ?? 0,
    };
    if (r.llm) sample.llm = r.llm;
    if (r.extra) sample.extra = r.extra;
    this.o.onSample(sample);
  }

  /**
   * Waits for in-flight requests. Each one is bounded by its own timeout, and after an
   * interrupt by the grace period, so this always ends.
   */
  private async drain(): Promise<void> {
    this.live.phase = 'draining';
    while (this.detached > 0) await new Promise<void>((resolve) => (this.onDetachedDone = resolve));
    this.onDetachedDone = undefined;
    clearTimeout(this.graceTimer);
  }
}

/**
 * The operation's end: now, or earlier when the backend stamped its answer's last byte and
 * parsed it later (the parsing is the client's time, not the service's). The stamp is on
 * the process clock: only the wait since it is taken, and only if it fits in the operation.
 */
function completedAt(now: number, actualStart: number, r: OperationResult): number {
  if (r.completeAt === undefined) return now;
  const parsing = performance.now() - r.completeAt;
  return parsing > 0 && parsing <= now - actualStart ? now - parsing : now;
}
