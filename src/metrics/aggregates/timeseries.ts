import { LogHistogram } from './loghist.js';
import type { MetricDeclaration } from '../declaration.js';
import { addDeclared, DeclaredColumns, mergeDeclared, type DeclaredCell, type DeclaredSeries } from './declared-series.js';

/**
 * A service's measured window cut into equal buckets, column by column (compact JSON).
 * Latency, completions and errors are placed by completion time, starts by intended
 * start, and in-flight is the time-average of requests between actual start and end.
 */
export interface Timeseries {
  bucket_seconds: number;
  /** Bucket start, seconds from the start of the measured window. */
  t: number[];
  /** Requests whose intended start falls in the bucket (the offered load). */
  starts: number[];
  completions: number[];
  errors: number[];
  /** Completions per second of the bucket's part of the window. */
  throughput_rps: number[];
  /** Latency percentiles (seconds) of the requests completing in the bucket. */
  p50: (number | null)[];
  p90: (number | null)[];
  p99: (number | null)[];
  /** Mean number of requests in flight over the bucket. */
  in_flight: number[];
  /** LLM services only. */
  output_tokens_per_second?: number[];
  ttft_p50?: (number | null)[];
  ttft_p99?: (number | null)[];
  /** The backend's declared metrics that had values, by name (declared-series.ts). */
  metrics?: Record<string, DeclaredSeries>;
}

const NICE = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
export const MAX_BUCKETS = 600;

/**
 * Bucket width for a window: one second for ordinary runs, wider so a long run keeps at
 * most 600 points, narrower (down to 0.1 s) so a run of a few seconds still has ~50.
 */
export function bucketWidth(windowSeconds: number | null): number {
  if (!windowSeconds || windowSeconds <= 0) return 1;
  const want = Math.max(windowSeconds / MAX_BUCKETS, Math.min(1, windowSeconds / 50));
  return NICE.find((w) => w >= want - 1e-9) ?? Math.ceil(windowSeconds / MAX_BUCKETS);
}

/** One time bucket of a series (exported for report/saved-state.ts). */
export class Bucket {
  starts = 0;
  done = 0;
  errors = 0;
  readonly latency = new LogHistogram();
  // In-flight bookkeeping: counts and sums of start and end instants in this bucket.
  inN = 0;
  inSum = 0;
  outN = 0;
  outSum = 0;
  tokens = 0;
  ttft: LogHistogram | undefined;
  /** Declared metrics of the requests completing here, indexed like the accumulator's declarations. */
  declared: (DeclaredCell | undefined)[] | undefined;

  merge(o: Bucket): this {
    this.starts += o.starts;
    this.done += o.done;
    this.errors += o.errors;
    this.latency.merge(o.latency);
    this.inN += o.inN;
    this.inSum += o.inSum;
    this.outN += o.outN;
    this.outSum += o.outSum;
    this.tokens += o.tokens;
    if (o.ttft) (this.ttft ??= new LogHistogram()).merge(o.ttft);
    if (o.declared) mergeDeclared((this.declared ??= []), o.declared);
    return this;
  }
}

const sig = (v: number) => Number(v.toPrecision(6));
const sigOrNull = (v: number | null) => (v === null ? null : sig(v));

/**
 * Fine grid widths, each dividing every report width (NICE) that can be chosen once the
 * grid has grown to it, so the report's buckets are always whole groups of fine ones.
 */
const FINE = [0.1, 1, 5, 60, 300, 3600, 86400];
/** Fine buckets kept before the grid coarsens to the next width. */
const MAX_FINE = 6000;

/**
 * Accumulates a service's rows into time buckets on a grid that does not depend on the
 * window: fine buckets from the run's start (t = 0), coarsened as the run grows. The
 * window, known only at the end, picks the report's width in finish(). So the same rows
 * give the same series whether they are added while the run goes on or read back from
 * the database.
 */
export class SeriesAccumulator {
  private buckets: Bucket[] = [];
  private llm = false;
  private level = 0;

  /** `declared`: the metrics whose values (in each request's extra) are kept per bucket. */
  constructor(private readonly declared: readonly MetricDeclaration[] = []) {}

  /** Adds one request; times are seconds since the run's start; `x` is its parsed extra. */
  add(intended: number, actual: number, end: number, latency: number, ok: boolean, ttft: number | null, outTokens: number | null, x?: Record<string, unknown>): void {
    this.at(intended).starts++;
    const b = this.at(end);
    b.done++;
    if (!ok) b.errors++;
    b.latency.record(latency);
    const s = this.at(actual);
    s.inN++;
    s.inSum += actual;
    b.outN++;
    b.outSum += end;
    if (ttft !== null || outTokens !== null) {
      this.llm = true;
      b.tokens += outTokens ?? 0;
      if (ttft !== null) (b.ttft ??= new LogHistogram()).record(ttft);
    }
    if (x && this.declared.length) addDeclared((b.declared ??= []), this.declared, x, ok);
  }

  private get width(): number {
    return FINE[this.level]!;
  }

  private at(t: number): Bucket {
    let i = indexOf(t, this.width);
    while (i >= MAX_FINE && this.level < FINE.length - 1) {
      this.buckets = regroup(this.buckets, FINE[this.level + 1]! / this.width);
      this.level++;
      i = indexOf(t, this.width);
    }
    while (this.buckets.length <= i) this.buckets.push(new Bucket());
    return this.buckets[i]!;
  }

  /** The series over [windowStart, windowEnd] (seconds since the run's start). */
  finish(windowStart: number, windowEnd: number): Timeseries {
    const fine = this.width;
    const want = bucketWidth(windowEnd - windowStart);
    // The report's width: the chosen one, or the fine grid's when that grew past it.
    const w = want > fine ? Math.round(want / fine) * fine : fine;
    const grouped = regroup(this.buckets, Math.round(w / fine));
    const cells = clip(grouped, w, windowStart, windowEnd);
    const out: Timeseries = {
      bucket_seconds: w, t: [], starts: [], completions: [], errors: [], throughput_rps: [],
      p50: [], p90: [], p99: [], in_flight: [],
    };
    if (this.llm) Object.assign(out, { output_tokens_per_second: [], ttft_p50: [], ttft_p99: [] });
    const declared = this.declared.length ? new DeclaredColumns(this.declared) : undefined;
    let inFlight = 0;
    for (const { lo, hi, b, skip } of cells) {
      if (skip) {
        inFlight += b.inN - b.outN;
        continue;
      }
      const covered = hi - lo;
      // Integral of the in-flight count over the bucket, from the instants' sums.
      const area = inFlight * covered + (b.inN * hi - b.inSum) - (b.outN * hi - b.outSum);
      inFlight += b.inN - b.outN;
      const [p50, p90, p99] = b.latency.percentiles([50, 90, 99]);
      out.t.push(sig(lo - windowStart));
      out.starts.push(b.starts);
      out.completions.push(b.done);
      out.errors.push(b.errors);
      out.throughput_rps.push(covered > 0 ? sig(b.done / covered) : 0);
      out.p50.push(sigOrNull(p50!));
      out.p90.push(sigOrNull(p90!));
      out.p99.push(sigOrNull(p99!));
      out.in_flight.push(covered > 0 ? sig(Math.max(0, area / covered)) : 0);
      if (this.llm) {
        out.output_tokens_per_second!.push(covered > 0 ? sig(b.tokens / covered) : 0);
        const [t50, t99] = b.ttft ? b.ttft.percentiles([50, 99]) : [null, null];
        out.ttft_p50!.push(sigOrNull(t50!));
        out.ttft_p99!.push(sigOrNull(t99!));
      }
      declared?.push(b.declared, covered);
    }
    const metrics = declared?.done();
    if (metrics) out.metrics = metrics;
    return out;
  }
}

// The epsilon keeps an instant exactly on an edge (1.1 s stored as 1.0999…) in the later bucket.
function indexOf(t: number, width: number): number {
  return Math.max(0, Math.floor(t / width + 1e-9));
}

/** Merges each run of `k` consecutive buckets into one (k = 1 returns the list as is). */
function regroup(buckets: Bucket[], k: number): Bucket[] {
  if (k <= 1) return buckets;
  const out: Bucket[] = [];
  for (let i = 0; i < buckets.length; i += k) {
    const merged = new Bucket();
    for (let j = i; j < Math.min(i + k, buckets.length); j++) merged.merge(buckets[j]!);
    out.push(merged);
  }
  return out;
}

interface Cell {
  lo: number;
  hi: number;
  b: Bucket;
  /** Outside the window and empty of starts and completions: only its in-flight changes count. */
  skip: boolean;
}

/**
 * The buckets as parts of the window. A sliver of a bucket at either end (under a quarter
 * of the width) joins its neighbour: one request in a few milliseconds would otherwise
 * show as a spike of rate.
 */
function clip(buckets: Bucket[], w: number, windowStart: number, windowEnd: number): Cell[] {
  const last = Math.max(buckets.length, Math.ceil(windowEnd / w - 1e-9));
  const cells: Cell[] = [];
  for (let i = 0; i < last; i++) {
    const b = buckets[i] ?? new Bucket();
    const lo = Math.max(windowStart, i * w);
    const hi = Math.min(windowEnd, (i + 1) * w);
    cells.push({ lo, hi, b, skip: hi - lo <= 1e-9 && b.done === 0 && b.starts === 0 });
  }
  const live = cells.filter((c) => !c.skip);
  const joinable = (c: Cell | undefined) => c !== undefined && c.hi - c.lo < w / 4 && c.hi - c.lo > 0;
  if (live.length > 1 && joinable(live[0])) {
    const [first, second] = [live[0]!, live[1]!];
    second.b = new Bucket().merge(first.b).merge(second.b);
    second.lo = first.lo;
    first.skip = true;
    first.b = new Bucket();
  }
  if (live.length > 2 && joinable(live.at(-1))) {
    const [prev, lastCell] = [live.at(-2)!, live.at(-1)!];
    prev.b.merge(lastCell.b);
    prev.hi = lastCell.hi;
    lastCell.skip = true;
    lastCell.b = new Bucket();
  }
  return cells;
}
