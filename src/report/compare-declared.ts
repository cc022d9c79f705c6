import { betterOf, declaredBase, type MetricDeclaration } from '../metrics/declaration.js';
import type { DistSummary } from '../metrics/distribution.js';
import { declarationsOf, figureAt } from './declared.js';
import { judgeChange, type CompareOptions, type DeclaredCompared, type MetricComparison } from './compare-verdict.js';
import type { ServiceReport, SliceReport, Timeseries } from './types.js';

/** What is compared of each kind: a trend's p50, p99 and mean, a rate's mean, a counter's total. */
const STATS: Record<MetricDeclaration['kind'], DeclaredCompared['stat'][]> = { trend: ['p50', 'p99', 'mean'], rate: ['mean'], counter: ['total'] };

/** The name a compared statistic goes by: its threshold name (recipe/thresholds.ts). */
function nameOf(d: MetricDeclaration, stat: DeclaredCompared['stat']): string {
  if (d.kind === 'trend') {
    const { base, suffix } = declaredBase(d);
    return `${base}_${stat}${suffix}`;
  }
  if (d.kind === 'rate') return `${d.name}_${stat}`;
  return d.name.endsWith('_total') ? d.name : `${d.name}_total`;
}

/** A slice's overall value of a statistic, in the report's terms (a trend in seconds); a counter seen nowhere is 0. */
function overall(slice: SliceReport, d: MetricDeclaration, stat: DeclaredCompared['stat']): number | null {
  const f = figureAt(slice, d);
  if (d.kind === 'counter') return typeof f === 'number' ? f : slice.requests.total > 0 ? 0 : null;
  if (!f || typeof f !== 'object') return null;
  const v = d.kind === 'rate' ? (f as { mean?: unknown }).mean : (f as DistSummary).count ? (f as DistSummary)[stat as 'p50' | 'p99' | 'mean'] : null;
  return typeof v === 'number' ? v : null;
}

/** The per-bucket observations of a statistic (declared-series.ts). */
function buckets(ts: Timeseries | undefined, d: MetricDeclaration, stat: DeclaredCompared['stat']): number[] {
  const s = ts?.metrics?.[d.name];
  const col = stat === 'total' ? s?.per_second : s?.[stat as 'p50' | 'p99' | 'mean'];
  return (col ?? []).filter((v): v is number => v !== null);
}

/** The declarations of both services, the baseline's first, each name once. */
function declarationsOfBoth(base: ServiceReport, other: ServiceReport): MetricDeclaration[] {
  const seen = new Map<string, MetricDeclaration>();
  for (const d of [...declarationsOf(base), ...declarationsOf(other)]) if (!seen.has(d.name)) seen.set(d.name, d);
  return [...seen.values()];
}

/**
 * The declared metrics of two runs' slices compared as the fixed ones are: a trend's p50
 * and mean against the minimum change, its p99 against the tail's, a rate's mean as
 * points against the error rate's minimum, a counter's total against the minimum change.
 * A statistic neither slice has a figure for is left out; an operation compares only the
 * metrics kept per operation.
 */
export function compareDeclared(
  services: [ServiceReport, ServiceReport], slices: [SliceReport, SliceReport], series: [Timeseries | undefined, Timeseries | undefined],
  isService: boolean, o: CompareOptions,
): MetricComparison[] {
  const [bs, rs] = slices;
  const out: MetricComparison[] = [];
  for (const d of declarationsOfBoth(...services)) {
    if (!isService && !d.perOperation) continue;
    if (figureAt(bs, d) === undefined && figureAt(rs, d) === undefined) continue;
    const better = betterOf(d);
    for (const stat of STATS[d.kind]) {
      const declared: DeclaredCompared = { name: d.name, kind: d.kind, unit: d.unit, stat, ...(better ? { better } : {}) };
      out.push(judgeChange({
        metric: nameOf(d, stat), declared,
        baseline: overall(bs, d, stat), value: overall(rs, d, stat),
        baseBuckets: buckets(series[0], d, stat), runBuckets: buckets(series[1], d, stat),
        series: series[0] !== undefined && series[1] !== undefined,
        absolute: d.kind === 'rate',
        floor: d.kind === 'rate' ? o.minErrorChange : stat === 'p99' ? o.minTailChange : o.minChange,
        better,
      }, o.alpha));
    }
  }
  return out;
}
