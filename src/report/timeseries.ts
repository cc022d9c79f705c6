import { LogHistogram } from './loghist.js';

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

class Bucket {
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

  merge(o: Bucket): void {
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
  }
}

const sig = (v: number) => Number(v.toPrecision(6));
const sigOrNull = (v: number | null) => (v === null ? null : sig(v));

/**
 * Accumulates one pass over a service's rows into time buckets. With a known window the
 * grid starts at the window's start; without one (a killed run) it starts at the run's
 * start and doubles its width whenever it would pass 600 buckets.
 */
export class SeriesAccumulator {
  private buckets: Bucket[] = [];
  private llm = false;

  constructor(
    private readonly origin: number,
    private width: number,
    /** Number of buckets when the window is known; later instants go into the last. */
    private readonly limit?: number,
  ) {}

  /** Adds one request; times are seconds since the run's start. */
  add(intended: number, actual: number, end: number, latency: number, ok: boolean, ttft: number | null, outTokens: number | null): void {
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
  }

  private at(t: number): Bucket {
    // The epsilon keeps an instant exactly on an edge (1.1 s stored as 1.0999…) in the later bucket.
    let i = Math.max(0, Math.floor((t - this.origin) / this.width + 1e-9));
    if (this.limit !== undefined) i = Math.min(i, this.limit - 1);
    else while (i >= MAX_BUCKETS) i = this.coarsen(t);
    while (this.buckets.length <= i) this.buckets.push(new Bucket());
    return this.buckets[i]!;
  }

  private coarsen(t: number): number {
    const merged: Bucket[] = [];
    for (let k = 0; k < this.buckets.length; k += 2) {
      const b = this.buckets[k]!;
      const next = this.buckets[k + 1];
      if (next) b.merge(next);
      merged.push(b);
    }
    this.buckets = merged;
    this.width *= 2;
    return Math.max(0, Math.floor((t - this.origin) / this.width + 1e-9));
  }

  /** The series over [windowStart, windowEnd] (seconds since the run's start). */
  finish(windowStart: number, windowEnd: number): Timeseries {
    const w = this.width;
    const n = this.limit ?? Math.max(0, Math.ceil((windowEnd - this.origin) / w - 1e-9));
    const out: Timeseries = {
      bucket_seconds: w, t: [], starts: [], completions: [], errors: [], throughput_rps: [],
      p50: [], p90: [], p99: [], in_flight: [],
    };
    if (this.llm) Object.assign(out, { output_tokens_per_second: [], ttft_p50: [], ttft_p99: [] });
    let inFlight = 0;
    for (let i = 0; i < Math.max(n, this.buckets.length); i++) {
      const b = this.buckets[i] ?? new Bucket();
      const lo = Math.max(windowStart, this.origin + i * w);
      const hi = this.limit !== undefined && i === this.limit - 1 ? windowEnd : Math.min(windowEnd, this.origin + (i + 1) * w);
      const covered = hi - lo;
      if (covered <= 1e-9 && b.done === 0 && b.starts === 0) {
        inFlight += b.inN - b.outN;
        continue;
      }
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
    }
    return out;
  }
}
