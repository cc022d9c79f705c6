import { LogHistogram, type BinnedHistogram } from './loghist.js';
import { bucketWidth, SeriesAccumulator, type Timeseries } from './timeseries.js';

/** What build.ts adds to a service from the same pass over its rows. */
export interface SeriesOutput {
  timeseries: Timeseries;
  histogram: BinnedHistogram;
  operations: Map<string, Timeseries>;
  llm?: { ttft: BinnedHistogram; tpot: BinnedHistogram; itl: BinnedHistogram };
}

/**
 * Time series and histograms of one service. With a stored window the buckets are
 * placed on it; a killed run has none, so its grid starts at the run's start and
 * widens as needed (timeseries.ts).
 */
export class ServiceSeries {
  private readonly all: SeriesAccumulator;
  private readonly ops = new Map<string, SeriesAccumulator>();
  private readonly latency = new LogHistogram();
  private readonly ttft = new LogHistogram();
  private readonly tpot = new LogHistogram();
  private readonly itl = new LogHistogram();
  private readonly make: () => SeriesAccumulator;

  constructor(windowStart: number | null, windowEnd: number | null) {
    if (windowStart !== null && windowEnd !== null) {
      const width = bucketWidth(windowEnd - windowStart);
      // Rounded, not ceiled: a sliver of a final bucket would turn one request into a spike
      // of rate, so the last bucket absorbs it (finish() gives it the window's end).
      const limit = Math.max(1, Math.round((windowEnd - windowStart) / width));
      this.make = () => new SeriesAccumulator(windowStart, width, limit);
    } else this.make = () => new SeriesAccumulator(0, 1);
    this.all = this.make();
  }

  /** One row; times in seconds since the run's start. */
  add(
    op: string, intended: number, actual: number | null, latency: number, ok: boolean,
    ttft: number | null, tpot: number | null, itl: number | null, outTokens: number | null,
  ): void {
    const end = intended + latency;
    const start = actual ?? intended;
    this.all.add(intended, start, end, latency, ok, ttft, outTokens);
    let o = this.ops.get(op);
    if (!o) this.ops.set(op, (o = this.make()));
    o.add(intended, start, end, latency, ok, ttft, outTokens);
    this.latency.record(latency);
    if (ttft !== null) this.ttft.record(ttft);
    if (tpot !== null) this.tpot.record(tpot);
    if (itl !== null) this.itl.record(itl);
  }

  finish(windowStart: number | null, windowEnd: number | null, llm: boolean): SeriesOutput {
    const ws = windowStart ?? 0;
    const we = windowEnd ?? ws;
    const operations = new Map<string, Timeseries>();
    if (this.ops.size > 1) for (const [op, acc] of this.ops) operations.set(op, acc.finish(ws, we));
    const out: SeriesOutput = { timeseries: this.all.finish(ws, we), histogram: this.latency.binned(), operations };
    if (llm) out.llm = { ttft: this.ttft.binned(), tpot: this.tpot.binned(), itl: this.itl.binned() };
    return out;
  }
}
