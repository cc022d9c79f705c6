import { z } from 'zod';
import { durationOrZeroField } from './fields.js';
import { declaredBase, type MetricDeclaration } from '../metrics/declaration.js';

/**
 * Pass/fail conditions on a service's final figures (docs/reports.md lists each metric).
 * Distribution metrics are spelled either way round, `p99_latency_ms` or `latency_p99_ms`,
 * `ttft_p95_ms` or `p95_ttft_ms` (vLLM's spelling), so both habits validate.
 */
export type MetricUnit = 'ms' | 'ratio' | 'rate' | 'count';

export const THRESHOLD_STATS = ['p50', 'p90', 'p95', 'p99', 'p99_9', 'mean', 'max'] as const;
export const THRESHOLD_DISTS = ['latency', 'service_time', 'schedule_lag', 'ttft', 'tpot', 'itl'] as const;
export type ThresholdStat = (typeof THRESHOLD_STATS)[number];
export type ThresholdDist = (typeof THRESHOLD_DISTS)[number];

/** What a threshold on a declared metric judges: a trend's statistic, a rate's mean or minimum, a counter's total. */
export type DeclaredStat = ThresholdStat | 'min' | 'total';

export type MetricRef =
  | { kind: 'dist'; dist: ThresholdDist; stat: ThresholdStat }
  | { kind: 'declared'; metric: MetricDeclaration; stat: DeclaredStat }
  | { kind: 'error_rate' | 'throughput_rps' | 'successful_rps' | 'output_tokens_per_second' | 'total_tokens_per_second' | 'dropped_starts' | 'failed_requests' };

/** A threshold name and what it refers to. */
export interface ThresholdMetric {
  ref: MetricRef;
  unit: MetricUnit;
}

const SCALARS: Record<string, { ref: MetricRef; unit: MetricUnit }> = {
  error_rate: { ref: { kind: 'error_rate' }, unit: 'ratio' },
  throughput_rps: { ref: { kind: 'throughput_rps' }, unit: 'rate' },
  successful_rps: { ref: { kind: 'successful_rps' }, unit: 'rate' },
  output_tokens_per_second: { ref: { kind: 'output_tokens_per_second' }, unit: 'rate' },
  total_tokens_per_second: { ref: { kind: 'total_tokens_per_second' }, unit: 'rate' },
  dropped_starts: { ref: { kind: 'dropped_starts' }, unit: 'count' },
  failed_requests: { ref: { kind: 'failed_requests' }, unit: 'count' },
};

/** Every metric name a threshold may use on any service, with what it refers to. */
export const THRESHOLD_METRICS: ReadonlyMap<string, ThresholdMetric> = new Map([
  ...THRESHOLD_DISTS.flatMap((dist) =>
    THRESHOLD_STATS.flatMap((stat) => {
      const v = { ref: { kind: 'dist', dist, stat } as MetricRef, unit: 'ms' as MetricUnit };
      return [[`${stat}_${dist}_ms`, v] as const, [`${dist}_${stat}_ms`, v] as const];
    }),
  ),
  ...Object.entries(SCALARS),
]);

/** Keys of a thresholds block that are not metrics. */
const CONTROL_KEYS = new Set(['abort_on_fail', 'abort_after', 'operations']);

/**
 * The threshold names of one declared metric, in the style of the fixed ones: a trend
 * `ttfb_ms` is `ttfb_<stat>_ms` or `<stat>_ttfb_ms` (a trend of another unit has that
 * unit's suffix, or none), a rate `recall` is `recall_mean` and `recall_min`, a counter
 * `retries` is `retries` (its total) or `retries_total`.
 */
export function declaredThresholdNames(d: MetricDeclaration): [string, ThresholdMetric][] {
  const { base, suffix } = declaredBase(d);
  const ref = (stat: DeclaredStat): MetricRef => ({ kind: 'declared', metric: d, stat });
  if (d.kind === 'trend') {
    const unit: MetricUnit = d.unit === 'ms' ? 'ms' : 'count';
    return THRESHOLD_STATS.flatMap((stat) => [[`${base}_${stat}${suffix}`, { ref: ref(stat), unit }], [`${stat}_${base}${suffix}`, { ref: ref(stat), unit }]] as [string, ThresholdMetric][]);
  }
  if (d.kind === 'rate') return (['mean', 'min'] as const).map((stat) => [`${d.name}_${stat}`, { ref: ref(stat), unit: 'ratio' }]);
  const total: ThresholdMetric = { ref: ref('total'), unit: 'count' };
  return d.name.endsWith('_total') ? [[d.name, total]] : [[d.name, total], [`${d.name}_total`, total]];
}

const byDeclarations = new WeakMap<readonly MetricDeclaration[], ReadonlyMap<string, ThresholdMetric>>();

/**
 * Every name a threshold may use on a service whose backend declared `declared`: the
 * fixed ones, then the declared ones (a declared name that spells a fixed one is the
 * fixed one: an LLM backend's `itl` is the report's `llm.itl` either way).
 */
export function thresholdMetricsFor(declared: readonly MetricDeclaration[]): ReadonlyMap<string, ThresholdMetric> {
  if (declared.length === 0) return THRESHOLD_METRICS;
  let map = byDeclarations.get(declared);
  if (!map) {
    const m = new Map(THRESHOLD_METRICS);
    for (const d of declared) for (const [name, v] of declaredThresholdNames(d)) if (!m.has(name) && !CONTROL_KEYS.has(name)) m.set(name, v);
    byDeclarations.set(declared, (map = m));
  }
  return map;
}

/** The declared metrics a recipe may name, for messages: `ttfb_ms (trend: ttfb_<stat>_ms)`, `recall (rate: recall_mean, recall_min)`. */
export function describeDeclaredThresholds(declared: readonly MetricDeclaration[]): string {
  const each = declared.map((d) => {
    const { base, suffix } = declaredBase(d);
    const names = d.kind === 'trend' ? `${base}_<stat>${suffix}` : declaredThresholdNames(d).map(([n]) => n).join(', ');
    return `${d.name} (${d.kind}: ${names})`;
  });
  const stats = declared.some((d) => d.kind === 'trend') ? `; <stat> is one of ${THRESHOLD_STATS.join(', ')}` : '';
  return each.join('; ') + stats;
}

export type ConditionOp = '<' | '<=' | '>' | '>=';
export interface Condition {
  op: ConditionOp;
  /** In the metric's unit: milliseconds, a fraction (0–1), per second, or a count. */
  value: number;
  text: string;
}

const CONDITION = /^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(%|ms|s|us|µs)?\s*$/i;
const MS_PER: Record<string, number> = { ms: 1, s: 1000, us: 0.001, 'µs': 0.001 };

const HINT: Record<MetricUnit, string> = {
  ms: 'a condition such as "<500" (milliseconds; "<0.5s" and "<800us" work too)',
  ratio: 'a condition such as "<1%" or "<0.01"',
  rate: 'a condition such as ">100" (per second)',
  count: 'a condition such as "<1" or "<=10"',
};

/** Parses a condition for a metric of the given unit; a string explains what is wrong. */
export function parseCondition(text: string, unit: MetricUnit): Condition | string {
  const m = CONDITION.exec(text);
  if (!m) return `expected ${HINT[unit]}`;
  const op = m[1] as ConditionOp;
  let value = Number(m[2]);
  const suffix = m[3]?.toLowerCase();
  if (unit === 'ms') value *= MS_PER[suffix ?? 'ms'] ?? NaN;
  else if (unit === 'ratio') {
    if (suffix === '%') value /= 100;
    else if (suffix) value = NaN;
    else if (value > 1) return `"${text}" is more than 100%; write a percentage ("<5%") or a fraction ("<0.05")`;
  } else if (suffix) value = NaN;
  if (!Number.isFinite(value)) return `expected ${HINT[unit]}`;
  return { op, value, text: text.trim() };
}

// Numbers are let through the type check only to be refused with a better message than
// "expected string": a bare number does not say which way the bound goes.
const conditionField = (unit: MetricUnit) =>
  z.union([z.string(), z.number()], { error: `expected ${HINT[unit]}` }).check((ctx) => {
    const c = typeof ctx.value === 'number' ? `a bare number does not say which way; write ${HINT[unit].replace(/^a condition such as /, '')}` : parseCondition(ctx.value, unit);
    if (typeof c === 'string') ctx.issues.push({ code: 'custom', input: ctx.value, message: c });
  });

const metricShape = (metrics: ReadonlyMap<string, ThresholdMetric>) => Object.fromEntries([...metrics].map(([name, m]) => [name, conditionField(m.unit).optional()]));

const controlShape = {
  /** Stop the run as soon as a condition that can be judged live fails. */
  abort_on_fail: z.boolean().optional(),
  /** Measured time before live judging starts (default 5s), so early noise cannot abort. */
  abort_after: durationOrZeroField.optional(),
};

/**
 * The `thresholds` key as every service has it, before its backend is known: the fixed
 * metrics are checked, other names are let through for the backend's schema
 * (thresholdsSchemaFor) to judge, as are those read back from a stored recipe.
 */
export const thresholdsSchema = z.looseObject({
  ...metricShape(THRESHOLD_METRICS),
  ...controlShape,
  operations: z.record(z.string(), z.looseObject(metricShape(THRESHOLD_METRICS))).optional(),
});

/**
 * The `thresholds` key of a service whose backend declares `declared`: the fixed metrics
 * and the declared ones, nothing else; in `operations`, the declared ones kept per
 * operation (`perOperation`), as only those have figures there.
 */
export function thresholdsSchemaFor(declared: readonly MetricDeclaration[]) {
  return z.strictObject({
    ...metricShape(thresholdMetricsFor(declared)),
    ...controlShape,
    operations: z.record(z.string(), z.strictObject(metricShape(thresholdMetricsFor(declared.filter((d) => d.perOperation))))).optional(),
  });
}

export type ThresholdFields = z.infer<typeof thresholdsSchema>;
