/**
 * A sparse log-bucketed histogram of durations, for the places where an HDR histogram
 * per cell would cost too much memory (one per time bucket, hundreds per service).
 * Bins are 100 per decade of microseconds (each 2.3 % wide); a percentile is reported
 * as its bin's geometric centre, so it is within 1.2 % of the exact value.
 */
export const FINE_PER_DECADE = 100;

/** A histogram in the report JSON: upper bin edges (seconds) and counts. */
export interface BinnedHistogram {
  bins_per_decade: number;
  /** Upper edge of each bin, in seconds; the bin holds values in (previous edge, edge]. */
  le: number[];
  counts: number[];
}

const edgeSeconds = (index: number, perDecade: number) => 10 ** (index / perDecade) / 1e6;

export class LogHistogram {
  private readonly bins = new Map<number, number>();
  private n = 0;
  // Exact extremes, so a percentile (a bin's centre) never passes the largest value seen.
  // Undefined while empty; saved states of older formats, which lacked them, are not read (saved-state.ts).
  private lo: number | undefined;
  private hi: number | undefined;

  get count(): number {
    return this.n;
  }

  /** Records one value in seconds (`count` times: a run of equal token gaps). */
  record(seconds: number, count = 1): void {
    const us = seconds * 1e6;
    // Values at or under 1 µs share bin 0; the store's resolution is coarser anyway.
    const i = us <= 1 ? 0 : Math.ceil(Math.log10(us) * FINE_PER_DECADE);
    this.bins.set(i, (this.bins.get(i) ?? 0) + count);
    this.lo = this.n === 0 ? seconds : Math.min(this.lo!, seconds);
    this.hi = this.n === 0 ? seconds : Math.max(this.hi!, seconds);
    this.n += count;
  }

  merge(other: LogHistogram): this {
    if (other.n === 0) return this;
    for (const [i, c] of other.bins) this.bins.set(i, (this.bins.get(i) ?? 0) + c);
    this.lo = this.n === 0 ? other.lo : Math.min(this.lo!, other.lo!);
    this.hi = this.n === 0 ? other.hi : Math.max(this.hi!, other.hi!);
    this.n += other.n;
    return this;
  }

  /** Nearest-rank percentile in seconds, or null when empty. */
  percentile(p: number): number | null {
    return this.percentiles([p])[0]!;
  }

  /** Several percentiles at once (one sort). */
  percentiles(ps: readonly number[]): (number | null)[] {
    if (this.n === 0) return ps.map(() => null);
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    return ps.map((p) => {
      const rank = Math.max(1, Math.ceil((p / 100) * this.n));
      let seen = 0;
      for (const i of keys) {
        seen += this.bins.get(i)!;
        if (seen >= rank) {
          const v = i === 0 ? 1e-6 : edgeSeconds(i - 0.5, FINE_PER_DECADE);
          return Math.min(this.hi!, Math.max(this.lo!, v));
        }
      }
      return null;
    });
  }

  /**
   * Re-bins into `perDecade` bins per decade (it must divide 100, so coarse edges are
   * fine edges), from the first to the last non-empty bin.
   */
  binned(perDecade = 20): BinnedHistogram {
    const factor = FINE_PER_DECADE / perDecade;
    const coarse = new Map<number, number>();
    for (const [i, c] of this.bins) {
      const j = Math.ceil(i / factor);
      coarse.set(j, (coarse.get(j) ?? 0) + c);
    }
    const keys = [...coarse.keys()];
    if (keys.length === 0) return { bins_per_decade: perDecade, le: [], counts: [] };
    const lo = Math.min(...keys);
    const hi = Math.max(...keys);
    const le: number[] = [];
    const counts: number[] = [];
    for (let j = lo; j <= hi; j++) {
      le.push(Number(edgeSeconds(j, perDecade).toPrecision(6)));
      counts.push(coarse.get(j) ?? 0);
    }
    return { bins_per_decade: perDecade, le, counts };
  }
}
