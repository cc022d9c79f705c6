import type { LiveStats } from '../engine/live.js';
import { ERROR_CLASSES, type Sample } from '../metrics/sample.js';

/** Request latency: 100 µs to 5 min, about 2.5 buckets per decade. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;
/** Time to first token: 1 ms to 2 min (long prompts, queued sequences). */
export const TTFT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
/** Inter-token latency and TPOT: 0.5 ms to 10 s. */
export const ITL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 1, 2.5, 10] as const;

/** Values of the `status` label: `ok`, or the error class of a failed request. */
export const STATUS_VALUES = ['ok', ...ERROR_CLASSES] as const;
const STATUS_INDEX = new Map<string, number>(STATUS_VALUES.map((s, i) => [s, i]));
const OTHER = STATUS_INDEX.get('other')!;

/**
 * Counts of one histogram series. The hot path only bumps numbers in a preallocated
 * array; prom-client sees the totals when it is scraped.
 */
export class HistogramCell {
  /** Per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i] = this.counts[i]! + 1;
    this.sum += value;
    this.count++;
  }
}

/** Everything measured for one (service, operation). */
export class OperationCell {
  requests = 0;
  successful = 0;
  responseBytes = 0;
  requestBytes = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** Failures by error class, indexed like STATUS_VALUES (slot 0 unused). */
  readonly failed = new Float64Array(STATUS_VALUES.length);
  /** Latency per status, created when a status first occurs. */
  readonly latency: (HistogramCell | undefined)[] = new Array<HistogramCell | undefined>(STATUS_VALUES.length).fill(undefined);
  ttft: HistogramCell | undefined;
  itl: HistogramCell | undefined;
  tpot: HistogramCell | undefined;
  /** prom-client label objects, built once so scrapes do not rebuild them. */
  readonly labels: Readonly<Record<'benchmark_id' | 'service' | 'operation', string>>;

  constructor(benchmarkId: string, readonly service: string, readonly operation: string) {
    this.labels = { benchmark_id: benchmarkId, service, operation };
  }

  /** Adds one measured request. Allocation-free except for the first sample of a new status. */
  record(s: Sample): void {
    const status = s.ok ? 0 : (STATUS_INDEX.get(s.errorClass ?? 'other') ?? OTHER);
    this.requests++;
    if (s.ok) this.successful++;
    else this.failed[status] = this.failed[status]! + 1;
    const h = (this.latency[status] ??= new HistogramCell(LATENCY_BUCKETS));
    h.observe((s.end - s.intendedStart) / 1000);
    this.responseBytes += s.bytesIn;
    this.requestBytes += s.bytesOut;
    const llm = s.llm;
    // Token metrics follow vLLM's benchmark: successful requests only.
    if (llm === undefined || !s.ok) return;
    if (llm.ttftMs !== undefined) (this.ttft ??= new HistogramCell(TTFT_BUCKETS)).observe(llm.ttftMs / 1000);
    if (llm.itlMs !== undefined) (this.itl ??= new HistogramCell(ITL_BUCKETS)).observe(llm.itlMs / 1000);
    if (llm.tpotMs !== undefined) (this.tpot ??= new HistogramCell(ITL_BUCKETS)).observe(llm.tpotMs / 1000);
    if (llm.inputTokens !== undefined) this.inputTokens += llm.inputTokens;
    if (llm.outputTokens !== undefined) this.outputTokens += llm.outputTokens;
  }
}

/** One service: its operations, and the live counters the engine keeps for it. */
export class ServiceCell {
  readonly operations = new Map<string, OperationCell>();
  readonly labels: Readonly<Record<'benchmark_id' | 'service', string>>;
  live: LiveStats | undefined;
  /** Engine clock reading when the service ended; freezes the achieved rate. */
  endedAt: number | undefined;
  /** Set when rebuilding a finished run, where no LiveStats exist. */
  fixed: { dropped: number; achievedRate: number | undefined } | undefined;
  /** The p95 latency objective (seconds) alerts compare against, when one is known. */
  latencySlo: number | undefined;

  constructor(readonly benchmarkId: string, readonly name: string) {
    this.labels = { benchmark_id: benchmarkId, service: name };
  }

  operation(name: string): OperationCell {
    let cell = this.operations.get(name);
    if (!cell) {
      cell = new OperationCell(this.benchmarkId, this.name, name);
      this.operations.set(name, cell);
    }
    return cell;
  }

  dropped(): number {
    return this.fixed?.dropped ?? this.live?.dropped ?? 0;
  }

  /** Measured completions per second of the window so far (the report's achieved rate). */
  achievedRate(now: number): number | undefined {
    if (this.fixed) return this.fixed.achievedRate;
    const live = this.live;
    if (!live || live.windowStart === undefined) return undefined;
    const seconds = ((this.endedAt ?? now) - live.windowStart) / 1000;
    return seconds > 0 ? live.completed / seconds : undefined;
  }
}

/** All metric values of one benchmark run, keyed by service and operation. */
export class BenchmarkCells {
  readonly services = new Map<string, ServiceCell>();
  /** 1 while the run is going; the final push says 0 so "stopped reporting" alerts stay quiet. */
  running = true;

  constructor(readonly benchmarkId: string) {}

  service(name: string): ServiceCell {
    let cell = this.services.get(name);
    if (!cell) {
      cell = new ServiceCell(this.benchmarkId, name);
      this.services.set(name, cell);
    }
    return cell;
  }

  *operations(): IterableIterator<OperationCell> {
    for (const svc of this.services.values()) yield* svc.operations.values();
  }
}
