import { compareDeclared } from './compare-declared.js';
import { DEFAULT_COMPARE, judgeChange, type CompareMetric, type CompareOptions, type MetricComparison } from './compare-verdict.js';
import type { Report, ServiceReport, SliceReport, Timeseries } from './types.js';

export { DEFAULT_COMPARE } from './compare-verdict.js';
export type { CompareMetric, CompareOptions, DeclaredCompared, MetricComparison, Verdict } from './compare-verdict.js';

export interface SliceComparison {
  run: string;
  service: string;
  operation: string | null;
  metrics: MetricComparison[];
}

export interface Comparison {
  method: string;
  options: CompareOptions;
  baseline: string;
  runs: string[];
  results: SliceComparison[];
  warnings: string[];
}

const METHOD =
  'Mann–Whitney U (two-sided) on per-bucket values of the measured window (bucket p50, bucket p99, ' +
  'completions per second, bucket error rate): each bucket is one observation of the run, so ' +
  'variation within a run stands for run-to-run noise. A change is flagged when p < alpha and it ' +
  'is at least the minimum change. Metrics the backend declares are tested the same way on their ' +
  'per-bucket values (trend p50, p99 and mean; rate mean, as points; counter total, per second), ' +
  '`changed` when the declaration names no better side.';

function bucketValues(ts: Timeseries | undefined, metric: CompareMetric): number[] {
  if (!ts) return [];
  if (metric === 'p50') return ts.p50.filter((v): v is number => v !== null);
  if (metric === 'p99') return ts.p99.filter((v): v is number => v !== null);
  if (metric === 'throughput') return ts.throughput_rps;
  return ts.errors.flatMap((e, i) => (ts.completions[i] ? [e / ts.completions[i]!] : []));
}

function overall(s: SliceReport, metric: CompareMetric): number | null {
  if (metric === 'p50') return s.percentiles.p50;
  if (metric === 'p99') return s.percentiles.p99;
  if (metric === 'throughput') return s.throughput.requests_per_second;
  return s.requests.total ? s.requests.failed / s.requests.total : null;
}

/** Compares one fixed metric of one slice; exported for tests. */
export function compareMetric(
  metric: CompareMetric, base: SliceReport, baseTs: Timeseries | undefined, run: SliceReport, runTs: Timeseries | undefined, o: CompareOptions,
): MetricComparison {
  return judgeChange({
    metric,
    baseline: overall(base, metric),
    value: overall(run, metric),
    baseBuckets: bucketValues(baseTs, metric),
    runBuckets: bucketValues(runTs, metric),
    series: baseTs !== undefined && runTs !== undefined,
    absolute: metric === 'error_rate',
    floor: metric === 'error_rate' ? o.minErrorChange : metric === 'p99' ? o.minTailChange : o.minChange,
    better: metric === 'throughput' ? 'higher' : 'lower',
  }, o.alpha);
}

/** The fixed metrics of a slice, then the declared ones of its service's backend. */
function compareSlice(
  run: string, service: string, operation: string | null, services: [ServiceReport, ServiceReport],
  base: SliceReport, baseTs: Timeseries | undefined, other: SliceReport, otherTs: Timeseries | undefined, o: CompareOptions,
): SliceComparison {
  const metrics = (['p50', 'p99', 'throughput', 'error_rate'] as const).map((m) => compareMetric(m, base, baseTs, other, otherTs, o));
  metrics.push(...compareDeclared(services, [base, other], [baseTs, otherTs], operation === null, o));
  return { run, service, operation, metrics };
}

/**
 * Compares each run with the first (the baseline), per service and per operation
 * (operations are tested when both runs kept per-operation series, i.e. have several).
 */
export function compareReports(runs: { label: string; report: Report }[], options: Partial<CompareOptions> = {}): Comparison {
  const o = { ...DEFAULT_COMPARE, ...options };
  const [base, ...others] = runs;
  if (!base || others.length === 0) throw new Error('compare needs at least two runs');
  const results: SliceComparison[] = [];
  const warnings: string[] = [];
  for (const other of others) {
    for (const [name, bs] of Object.entries(base.report.services)) {
      const os = other.report.services[name];
      if (!os) {
        warnings.push(`${other.label} has no service "${name}"`);
        continue;
      }
      if (bs.timeseries && os.timeseries && bs.timeseries.bucket_seconds !== os.timeseries.bucket_seconds) {
        warnings.push(`${name}: bucket widths differ (${bs.timeseries.bucket_seconds}s vs ${os.timeseries.bucket_seconds}s in ${other.label}); bucket p99s are less comparable`);
      }
      results.push(compareSlice(other.label, name, null, [bs, os], bs, bs.timeseries, os, os.timeseries, o));
      const ops = Object.keys(bs.operations).filter((op) => os.operations[op]);
      if (ops.length > 1 || Object.keys(os.operations).length > 1) {
        for (const op of ops) {
          const [bo, oo] = [bs.operations[op]!, os.operations[op]!];
          results.push(compareSlice(other.label, name, op, [bs, os], bo, bo.timeseries, oo, oo.timeseries, o));
        }
      }
    }
    for (const name of Object.keys(other.report.services)) {
      if (!base.report.services[name]) warnings.push(`${other.label} has service "${name}" that the baseline lacks`);
    }
  }
  return { method: METHOD, options: o, baseline: base.label, runs: others.map((r) => r.label), results, warnings };
}
