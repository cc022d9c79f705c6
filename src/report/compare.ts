import { mannWhitney } from './compare-stats.js';
import type { Report, SliceReport, Timeseries } from './types.js';

export type CompareMetric = 'p50' | 'p99' | 'throughput' | 'error_rate';
export type Verdict = 'worse' | 'better' | 'same' | 'not tested';

export interface MetricComparison {
  metric: CompareMetric;
  baseline: number | null;
  value: number | null;
  /** Relative change for p50, p99 and throughput; absolute change (fraction) for error_rate. */
  change: number | null;
  /** Mann–Whitney two-sided p-value on per-bucket values. */
  p_value: number | null;
  /** Buckets used: [baseline, this run]. */
  buckets: [number, number];
  /** `same` means no difference beyond run-to-run noise (or smaller than the minimum). */
  verdict: Verdict;
  note?: string;
}

export interface SliceComparison {
  run: string;
  service: string;
  operation: string | null;
  metrics: MetricComparison[];
}

export interface CompareOptions {
  /** Significance level of the rank test (0.01: 99 % confidence). */
  alpha: number;
  /** Smallest relative change of p50 or throughput worth reporting (0.1 = 10 %). */
  minChange: number;
  /** The same for p99: tails vary more from run to run (docs/reports.md has the figures). */
  minTailChange: number;
  /** Smallest absolute change of the error rate worth reporting (0.001 = 0.1 points). */
  minErrorChange: number;
}

export interface Comparison {
  method: string;
  options: CompareOptions;
  baseline: string;
  runs: string[];
  results: SliceComparison[];
  warnings: string[];
}

export const DEFAULT_COMPARE: CompareOptions = { alpha: 0.01, minChange: 0.1, minTailChange: 0.25, minErrorChange: 0.001 };
/** Fewer buckets than this per run and a rank test says little. */
export const MIN_BUCKETS = 8;

const METHOD =
  'Mann–Whitney U (two-sided) on per-bucket values of the measured window (bucket p50, bucket p99, ' +
  'completions per second, bucket error rate): each bucket is one observation of the run, so ' +
  'variation within a run stands for run-to-run noise. A change is flagged when p < alpha and it ' +
  'is at least the minimum change.';

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

/** Compares one metric of one slice; exported for tests. */
export function compareMetric(
  metric: CompareMetric, base: SliceReport, baseTs: Timeseries | undefined, run: SliceReport, runTs: Timeseries | undefined, o: CompareOptions,
): MetricComparison {
  const [b, v] = [overall(base, metric), overall(run, metric)];
  const absolute = metric === 'error_rate';
  const change = b === null || v === null ? null : absolute ? v - b : b === 0 ? (v === 0 ? 0 : null) : (v - b) / b;
  const xa = bucketValues(baseTs, metric);
  const xb = bucketValues(runTs, metric);
  const out: MetricComparison = { metric, baseline: b, value: v, change, p_value: null, buckets: [xa.length, xb.length], verdict: 'not tested' };
  if (!baseTs || !runTs) return { ...out, note: 'no per-bucket data' };
  if (xa.length < MIN_BUCKETS || xb.length < MIN_BUCKETS) return { ...out, note: `fewer than ${MIN_BUCKETS} buckets` };
  const test = mannWhitney(xa, xb);
  out.p_value = Number(test.p.toPrecision(3));
  const delta = change ?? (v !== null && b !== null ? v - b : 0);
  const floor = absolute ? o.minErrorChange : metric === 'p99' ? o.minTailChange : o.minChange;
  const bigEnough = change === null ? v !== b : Math.abs(change) >= floor;
  if (test.p >= o.alpha || !bigEnough) return { ...out, verdict: 'same' };
  const up = delta > 0;
  return { ...out, verdict: (metric === 'throughput' ? !up : up) ? 'worse' : 'better' };
}

function compareSlice(run: string, service: string, operation: string | null, base: SliceReport, baseTs: Timeseries | undefined, other: SliceReport, otherTs: Timeseries | undefined, o: CompareOptions): SliceComparison {
  const metrics = (['p50', 'p99', 'throughput', 'error_rate'] as const).map((m) => compareMetric(m, base, baseTs, other, otherTs, o));
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
      results.push(compareSlice(other.label, name, null, bs, bs.timeseries, os, os.timeseries, o));
      const ops = Object.keys(bs.operations).filter((op) => os.operations[op]);
      if (ops.length > 1 || Object.keys(os.operations).length > 1) {
        for (const op of ops) {
          const [bo, oo] = [bs.operations[op]!, os.operations[op]!];
          results.push(compareSlice(other.label, name, op, bo, bo.timeseries, oo, oo.timeseries, o));
        }
      }
    }
    for (const name of Object.keys(other.report.services)) {
      if (!base.report.services[name]) warnings.push(`${other.label} has service "${name}" that the baseline lacks`);
    }
  }
  return { method: METHOD, options: o, baseline: base.label, runs: others.map((r) => r.label), results, warnings };
}
