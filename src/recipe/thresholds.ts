import { z } from 'zod';
import { durationOrZeroField } from './fields.js';

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

export type MetricRef =
  | { kind: 'dist'; dist: ThresholdDist; stat: ThresholdStat }
  | { kind: 'error_rate' | 'throughput_rps' | 'successful_rps' | 'output_tokens_per_second' | 'total_tokens_per_second' | 'dropped_starts' | 'failed_requests' };

const SCALARS: Record<string, { ref: MetricRef; unit: MetricUnit }> = {
  error_rate: { ref: { kind: 'error_rate' }, unit: 'ratio' },
  throughput_rps: { ref: { kind: 'throughput_rps' }, unit: 'rate' },
  successful_rps: { ref: { kind: 'successful_rps' }, unit: 'rate' },
  output_tokens_per_second: { ref: { kind: 'output_tokens_per_second' }, unit: 'rate' },
  total_tokens_per_second: { ref: { kind: 'total_tokens_per_second' }, unit: 'rate' },
  dropped_starts: { ref: { kind: 'dropped_starts' }, unit: 'count' },
  failed_requests: { ref: { kind: 'failed_requests' }, unit: 'count' },
};

/** Every metric name a threshold may use, with what it refers to. */
export const THRESHOLD_METRICS: ReadonlyMap<string, { ref: MetricRef; unit: MetricUnit }> = new Map([
  ...THRESHOLD_DISTS.flatMap((dist) =>
    THRESHOLD_STATS.flatMap((stat) => {
      const v = { ref: { kind: 'dist', dist, stat } as MetricRef, unit: 'ms' as MetricUnit };
      return [[`${stat}_${dist}_ms`, v] as const, [`${dist}_${stat}_ms`, v] as const];
    }),
  ),
  ...Object.entries(SCALARS),
]);

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

const metricShape = Object.fromEntries([...THRESHOLD_METRICS].map(([name, m]) => [name, conditionField(m.unit).optional()]));

/** Conditions on one operation of a service. */
export const operationThresholdsSchema = z.strictObject(metricShape);

/** The `thresholds` key of a service. */
export const thresholdsSchema = z.strictObject({
  ...metricShape,
  /** Stop the run as soon as a condition that can be judged live fails. */
  abort_on_fail: z.boolean().optional(),
  /** Measured time before live judging starts (default 5s), so early noise cannot abort. */
  abort_after: durationOrZeroField.optional(),
  operations: z.record(z.string(), operationThresholdsSchema).optional(),
});

export type ThresholdFields = z.infer<typeof thresholdsSchema>;
