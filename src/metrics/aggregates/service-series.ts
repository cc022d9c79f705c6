import { LogHistogram, type BinnedHistogram } from './loghist.js';
import { SeriesAccumulator, type Timeseries } from './timeseries.js';
import type { MetricDeclaration } from '../declaration.js';

/** What build.ts adds to a service from the same pass over its rows. */
export interface SeriesOutput {
  timeseries: Timeseries;
  histogram: BinnedHistogram;
  operations: Map<string, Timeseries>;
  llm?: { ttft: BinnedHistogram; tpot: BinnedHistogram; itl: BinnedHistogram };
}

/**
 * Time series and histograms of one service. The grid does not depend on the window
 * (timeseries.ts), which is applied in finish().
 */
export class ServiceSeries {
  private readonly all: SeriesAccumulator;
  private readonly ops = new Map<string, SeriesAccumulator>();
  /** Declared metrics kept per operation; only those have a figure in an operation's slice to compare. */
  private readonly opDeclared: readonly MetricDeclaration[];
  private readonly latency = new LogHistogram();
  private readonly ttft = new LogHistogram();
  private readonly tpot = new LogHistogram();
  private readonly itl = new LogHistogram();

  constructor(declared: readonly MetricDeclaration[] = []) {
    this.all = new SeriesAccumulator(declared);
    this.opDeclared = declared.filter((d) => d.perOperation);
  }

  /** One row; times in seconds since the run's start. */
  add(
    op: string, intended: number, actual: number | null, latency: number, ok: boolean,
    ttft: number | null, tpot: number | null, itl: number | null, outTokens: number | null, x?: Record<string, unknown>,
  ): void {
    const end = intended + latency;
    const start = actual ?? intended;
    this.all.add(intended, start, end, latency, ok, ttft, outTokens, x);
    let o = this.ops.get(op);
    if (!o) this.ops.set(op, (o = new SeriesAccumulator(this.opDeclared)));
    o.add(intended, start, end, latency, ok, ttft, outTokens, x);
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
