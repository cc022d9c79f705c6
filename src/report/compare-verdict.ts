import { mannWhitney } from './compare-stats.js';
import type { MetricDeclaration } from '../metrics/declaration.js';

/** The fixed metrics every service is compared on. */
export type CompareMetric = 'p50' | 'p99' | 'throughput' | 'error_rate';
/** `changed`: beyond noise, for a declared figure that has no better side. */
export type Verdict = 'worse' | 'better' | 'changed' | 'same' | 'not tested';

/** A declared metric's statistic that is compared, with what reading and judging it needs. */
export interface DeclaredCompared {
  name: string;
  kind: MetricDeclaration['kind'];
  unit: MetricDeclaration['unit'];
  stat: 'p50' | 'p99' | 'mean' | 'total';
  /** Which way is an improvement (declaration.ts betterOf); absent: none. */
  better?: 'lower' | 'higher';
}

export interface MetricComparison {
  /** A fixed metric, or a declared one by its threshold name (`ttfb_p99_ms`, `recall_mean`, `retries_total`). */
  metric: CompareMetric | (string & {});
  /** Set for a declared metric. */
  declared?: DeclaredCompared;
  baseline: number | null;
  value: number | null;
  /** Relative change, absolute (a fraction) for the error rate and declared rates. */
  change: number | null;
  /** Mann–Whitney two-sided p-value on per-bucket values. */
  p_value: number | null;
  /** Buckets used: [baseline, this run]. */
  buckets: [number, number];
  /** `same` means no difference beyond run-to-run noise (or smaller than the minimum). */
  verdict: Verdict;
  note?: string;
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

export const DEFAULT_COMPARE: CompareOptions = { alpha: 0.01, minChange: 0.1, minTailChange: 0.25, minErrorChange: 0.001 };
/** Fewer buckets than this per run and a rank test says little. */
export const MIN_BUCKETS = 8;

/** One figure of two runs: overall values, per-bucket values, and how a change is measured and judged. */
export interface ChangeInput {
  metric: MetricComparison['metric'];
  declared?: DeclaredCompared;
  baseline: number | null;
  value: number | null;
  baseBuckets: readonly number[];
  runBuckets: readonly number[];
  /** Both runs have per-bucket series at all. */
  series: boolean;
  /** The change is a difference (fractions), not relative. */
  absolute: boolean;
  /** Smallest change worth flagging, in the change's terms. */
  floor: number;
  better: 'lower' | 'higher' | undefined;
}

/**
 * The change between two runs and its verdict: flagged only when the rank test on the
 * per-bucket values rejects at `alpha` and the change is at least `floor`.
 */
export function judgeChange(i: ChangeInput, alpha: number): MetricComparison {
  const [b, v] = [i.baseline, i.value];
  const change = b === null || v === null ? null : i.absolute ? v - b : b === 0 ? (v === 0 ? 0 : null) : (v - b) / b;
  const out: MetricComparison = {
    metric: i.metric, ...(i.declared ? { declared: i.declared } : {}),
    baseline: b, value: v, change, p_value: null, buckets: [i.baseBuckets.length, i.runBuckets.length], verdict: 'not tested',
  };
  if (!i.series) return { ...out, note: 'no per-bucket data' };
  if (i.baseBuckets.length < MIN_BUCKETS || i.runBuckets.length < MIN_BUCKETS) return { ...out, note: `fewer than ${MIN_BUCKETS} buckets` };
  const test = mannWhitney(i.baseBuckets, i.runBuckets);
  out.p_value = Number(test.p.toPrecision(3));
  const delta = change ?? (v !== null && b !== null ? v - b : 0);
  const bigEnough = change === null ? v !== b : Math.abs(change) >= i.floor;
  if (test.p >= alpha || !bigEnough) return { ...out, verdict: 'same' };
  if (!i.better) return { ...out, verdict: 'changed' };
  return { ...out, verdict: (delta > 0) === (i.better === 'lower') ? 'worse' : 'better' };
}
