import * as hdr from 'hdr-histogram-js';

/** A distribution summary, in seconds (the report's unit). */
export interface DistSummary {
  count: number;
  mean: number | null;
  stdev: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p99_9: number | null;
}

// One hour at microsecond resolution; autoResize lets longer values in.
const HIGHEST_US = 3_600_000_000;

const newHistogram = () =>
  hdr.build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, autoResize: true });

/** Everything a Distribution holds, as plain data (report/saved-state.ts stores it). */
export interface DistributionState {
  n: number;
  meanMs: number;
  m2: number;
  minMs: number;
  maxMs: number;
  /** The histogram, compressed HdrHistogram encoding; absent when empty. */
  hdr?: string;
}

/**
 * Latency (or any non-negative duration) distribution. Percentiles come from an HDR
 * histogram at microsecond resolution with 3 significant digits (each within 0.1 %),
 * which merges losslessly across workers; count, mean, stdev, min and max are exact
 * (Welford, with Chan's rule for merging).
 */
export class Distribution {
  private readonly histogram = newHistogram();
  private n = 0;
  private meanMs = 0;
  private m2 = 0;
  private minMs = Infinity;
  private maxMs = -Infinity;

  get count(): number {
    return this.n;
  }

  /** Records one value in milliseconds. */
  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    this.histogram.recordValue(Math.max(1, Math.round(v * 1000)));
    this.n++;
    const delta = v - this.meanMs;
    this.meanMs += delta / this.n;
    this.m2 += delta * (v - this.meanMs);
    if (v < this.minMs) this.minMs = v;
    if (v > this.maxMs) this.maxMs = v;
  }

  /** Records the same value `count` times (a run of equal per-token gaps, say). */
  recordMany(ms: number, count: number): void {
    if (count <= 0) return;
    if (count === 1) return this.record(ms);
    const v = ms < 0 ? 0 : ms;
    this.histogram.recordValueWithCount(Math.max(1, Math.round(v * 1000)), count);
    // Chan's rule with a block of `count` equal values (mean v, no spread).
    const n = this.n + count;
    const delta = v - this.meanMs;
    this.m2 += (delta * delta * this.n * count) / n;
    this.meanMs += (delta * count) / n;
    this.n = n;
    if (v < this.minMs) this.minMs = v;
    if (v > this.maxMs) this.maxMs = v;
  }

  /** Adds another distribution into this one. */
  merge(other: Distribution): this {
    if (other.n === 0) return this;
    this.histogram.add(other.histogram);
    const n = this.n + other.n;
    const delta = other.meanMs - this.meanMs;
    this.m2 += other.m2 + (delta * delta * this.n * other.n) / n;
    this.meanMs += (delta * other.n) / n;
    this.n = n;
    this.minMs = Math.min(this.minMs, other.minMs);
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    return this;
  }

  /**
   * Value at a percentile in milliseconds, or null if empty. HDR answers with its bucket's
   * highest equivalent value (up to 0.1 % above the true one), which can pass the exact
   * maximum: the answer is clamped to [min, max], so no report shows a p99 above its max.
   */
  percentileMs(p: number): number | null {
    if (this.n === 0) return null;
    const v = this.histogram.getValueAtPercentile(p) / 1000;
    return Math.min(this.maxMs, Math.max(this.minMs, v));
  }

  meanMsValue(): number | null {
    return this.n === 0 ? null : this.meanMs;
  }

  /** Population standard deviation in milliseconds. */
  stdevMs(): number | null {
    return this.n === 0 ? null : Math.sqrt(this.m2 / this.n);
  }

  /** The summary in seconds. */
  summary(): DistSummary {
    const s = (ms: number | null) => (ms === null ? null : ms / 1000);
    const empty = this.n === 0;
    return {
      count: this.n,
      mean: s(this.meanMsValue()),
      stdev: s(this.stdevMs()),
      min: empty ? null : this.minMs / 1000,
      max: empty ? null : this.maxMs / 1000,
      p50: s(this.percentileMs(50)),
      p90: s(this.percentileMs(90)),
      p95: s(this.percentileMs(95)),
      p99: s(this.percentileMs(99)),
      p99_9: s(this.percentileMs(99.9)),
    };
  }

  /** Compressed HdrHistogram encoding (interoperable with other HDR tools). */
  encodeHistogram(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  toState(): DistributionState {
    const { n, meanMs, m2, minMs, maxMs } = this;
    // Level 1: the fastest deflate; the state is written once, at a run's end.
    return n === 0 ? { n, meanMs, m2, minMs, maxMs } : { n, meanMs, m2, minMs, maxMs, hdr: hdr.encodeIntoCompressedBase64(this.histogram, 1) };
  }

  /** The distribution `toState()` described, with the same configuration as a new one. */
  static fromState(s: DistributionState): Distribution {
    const d = new Distribution();
    if (s.hdr) d.histogram.add(hdr.decodeFromCompressedBase64(s.hdr));
    d.n = s.n;
    d.meanMs = s.meanMs;
    d.m2 = s.m2;
    d.minMs = s.minMs;
    d.maxMs = s.maxMs;
    return d;
  }
}
