import type { LiveStats } from '../engine/live.js';
import { countsOutcome, type MetricDeclaration } from '../metrics/declaration.js';
import { ERROR_CLASSES, type Sample } from '../metrics/sample.js';

/** Request latency: 100 µs to 5 min, about 2.5 buckets per decade. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;
/** Time to first token: 1 ms to 2 min (long prompts, queued sequences). */
export const TTFT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
/** Inter-token latency and TPOT: 0.5 ms to 10 s. */
export const ITL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 1, 2.5, 10] as const;

/** Declared trends by unit: ms as seconds (LATENCY_BUCKETS); bytes 64 B to 1 GiB; counts 1 to a million; fractions. */
export const BYTES_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824] as const;
export const COUNT_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000, 100000, 1000000] as const;
export const FRACTION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1] as const;

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

  /** One value, `k` times (a run of equal token gaps). */
  observe(value: number, k = 1): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i] = this.counts[i]! + k;
    this.sum += value * k;
    this.count += k;
  }
}

/** The histogram bounds of a declared trend, and the factor to its exported unit (ms → seconds). */
export function trendScale(d: MetricDeclaration): { bounds: readonly number[]; scale: number } {
  if (d.unit === 'ms') return { bounds: LATENCY_BUCKETS, scale: 1 / 1000 };
  return { bounds: d.unit === 'bytes' ? BYTES_BUCKETS : d.unit === 'fraction' ? FRACTION_BUCKETS : COUNT_BUCKETS, scale: 1 };
}

/** One declared metric of one (service, operation): a trend's histogram, a rate's sum and count, a counter's sum. */
export class DeclaredValue {
  sum = 0;
  n = 0;
  hist: HistogramCell | undefined;

  add(d: MetricDeclaration, v: unknown): void {
    if (d.kind === 'trend') {
      // No object per sample on the hot path: the bounds are looked up once, with the cell.
      const scale = d.unit === 'ms' ? 1 / 1000 : 1;
      const h = (this.hist ??= new HistogramCell(trendScale(d).bounds));
      if (typeof v === 'number') h.observe(v * scale);
      else if (Array.isArray(v)) for (const [x, k] of v as [number, number][]) if (k > 0) h.observe(x * scale, k);
      return;
    }
    if (typeof v !== 'number') return;
    this.sum += v;
    this.n++;
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
  /** The service's declared metrics' values, indexed like `declarations`. */
  readonly declared: (DeclaredValue | undefined)[] = [];
  /** prom-client label objects, built once so scrapes do not rebuild them. */
  readonly labels: Readonly<Record<'benchmark_id' | 'service' | 'operation', string>>;

  constructor(benchmarkId: string, readonly service: string, readonly operation: string, public declarations: readonly MetricDeclaration[] = []) {
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
    const x = s.extra;
    if (x !== undefined) {
      for (let i = 0; i < this.declarations.length; i++) {
        const d = this.declarations[i]!;
        const v = x[d.name];
        // Trends in ms are latency-like: successful requests only, as in the report.
        if (v !== undefined && countsOutcome(d, s.ok)) (this.declared[i] ??= new DeclaredValue()).add(d, v);
      }
    }
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
  /** The metrics its backend declares (BenchmarkCells.declare). */
  declarations: readonly MetricDeclaration[] = [];

  constructor(readonly benchmarkId: string, readonly name: string) {
    this.labels = { benchmark_id: benchmarkId, service: name };
  }

  operation(name: string): OperationCell {
    let cell = this.operations.get(name);
    if (!cell) {
      cell = new OperationCell(this.benchmarkId, this.name, name, this.declarations);
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
  /** Every declared metric by name, the first declaration of a name: one series name, one meaning. */
  readonly declared = new Map<string, MetricDeclaration>();
  /** Called with each name declared for the first time (the registry adds its series). */
  onDeclared: ((d: MetricDeclaration) => void) | undefined;

  constructor(readonly benchmarkId: string) {}

  service(name: string): ServiceCell {
    let cell = this.services.get(name);
    if (!cell) {
      cell = new ServiceCell(this.benchmarkId, name);
      this.services.set(name, cell);
    }
    return cell;
  }

  /** The metrics a service's backend declares, before its samples come. */
  declare(service: string, declarations: readonly MetricDeclaration[]): void {
    const svc = this.service(service);
    svc.declarations = declarations;
    for (const op of svc.operations.values()) op.declarations = declarations;
    for (const d of declarations) {
      if (this.declared.has(d.name)) continue;
      this.declared.set(d.name, d);
      this.onDeclared?.(d);
    }
  }

  *operations(): IterableIterator<OperationCell> {
    for (const svc of this.services.values()) yield* svc.operations.values();
  }
}
