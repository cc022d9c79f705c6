import { countsOutcome, type MetricDeclaration } from '../declaration.js';
import { LogHistogram } from './loghist.js';

/**
 * Declared metrics over time: each bucket of a service's series keeps, per declared
 * metric, the values of the requests completing in it, so `aifb compare` can test a
 * declared figure on per-bucket values as it tests latency.
 */

/** One declared metric's values in one time bucket: count and sum, and a trend's distribution. */
export class DeclaredCell {
  n = 0;
  sum = 0;
  hist: LogHistogram | undefined;

  merge(o: DeclaredCell): this {
    this.n += o.n;
    this.sum += o.sum;
    if (o.hist) (this.hist ??= new LogHistogram()).merge(o.hist);
    return this;
  }
}

/**
 * A declared metric per bucket of the report's series: a trend's p50, p99 and mean (in
 * seconds, as every trend in the report), a rate's mean, a counter's sum per second.
 */
export interface DeclaredSeries {
  p50?: (number | null)[];
  p99?: (number | null)[];
  mean?: (number | null)[];
  per_second?: number[];
}

/** Adds one request's declared values (`x`, its extra) to a bucket's cells, indexed like `declared`. */
export function addDeclared(cells: (DeclaredCell | undefined)[], declared: readonly MetricDeclaration[], x: Record<string, unknown>, ok: boolean): void {
  for (let i = 0; i < declared.length; i++) {
    const d = declared[i]!;
    const v = x[d.name];
    if (v === undefined || !countsOutcome(d, ok)) continue;
    if (typeof v === 'number') {
      const c = (cells[i] ??= new DeclaredCell());
      c.n++;
      c.sum += v;
      // Trends are in ms as the report reads them; binned in seconds (loghist.ts).
      if (d.kind === 'trend') (c.hist ??= new LogHistogram()).record(v / 1000);
    } else if (d.kind === 'trend' && Array.isArray(v)) {
      const c = (cells[i] ??= new DeclaredCell());
      const h = (c.hist ??= new LogHistogram());
      for (const [g, k] of v as [number, number][]) {
        if (!(k > 0)) continue;
        h.record(g / 1000, k);
        c.n += k;
        c.sum += g * k;
      }
    }
  }
}

/** Merges a bucket's cells into another's (regrouping, joining a sliver of a bucket). */
export function mergeDeclared(into: (DeclaredCell | undefined)[], from: readonly (DeclaredCell | undefined)[]): void {
  from.forEach((c, i) => {
    if (c) (into[i] ??= new DeclaredCell()).merge(c);
  });
}

const sig = (v: number) => Number(v.toPrecision(6));

/** Builds each declared metric's columns, one bucket at a time, as timeseries.ts's finish() walks them. */
export class DeclaredColumns {
  private readonly cols: DeclaredSeries[];
  private readonly seen: boolean[];

  constructor(private readonly declared: readonly MetricDeclaration[]) {
    this.cols = declared.map((d) => (d.kind === 'trend' ? { p50: [], p99: [], mean: [] } : d.kind === 'rate' ? { mean: [] } : { per_second: [] }));
    this.seen = declared.map(() => false);
  }

  /** The next bucket: its cells and the seconds of the window it covers. */
  push(cells: readonly (DeclaredCell | undefined)[] | undefined, covered: number): void {
    this.declared.forEach((d, i) => {
      const c = cells?.[i];
      const col = this.cols[i]!;
      if (c?.n) this.seen[i] = true;
      if (d.kind === 'counter') {
        col.per_second!.push(covered > 0 && c ? sig(c.sum / covered) : 0);
        return;
      }
      const mean = c?.n ? c.sum / c.n : null;
      if (d.kind === 'rate') {
        col.mean!.push(mean === null ? null : sig(mean));
        return;
      }
      const [p50, p99] = c?.hist ? c.hist.percentiles([50, 99]) : [null, null];
      col.p50!.push(p50 === null || p50 === undefined ? null : sig(p50));
      col.p99!.push(p99 === null || p99 === undefined ? null : sig(p99));
      col.mean!.push(mean === null ? null : sig(mean / 1000));
    });
  }

  /** The columns by declared name, of the metrics that had a value in some bucket; undefined when none had. */
  done(): Record<string, DeclaredSeries> | undefined {
    const out: Record<string, DeclaredSeries> = {};
    this.declared.forEach((d, i) => {
      if (this.seen[i]) out[d.name] = this.cols[i]!;
    });
    return Object.keys(out).length ? out : undefined;
  }
}
