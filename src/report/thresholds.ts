import { parse } from 'yaml';
import type { DistSummary } from '../metrics/distribution.js';
import type { MetricDeclaration } from '../metrics/declaration.js';
import type { RateSummary } from '../metrics/aggregates/declared-tally.js';
import {
  parseCondition, thresholdMetricsFor, thresholdsSchema,
  type MetricRef, type ThresholdDist, type ThresholdFields, type ThresholdStat,
} from '../recipe/thresholds.js';
import type { Plan } from '../recipe/types.js';
import { declarationsOf, figureAt } from './declared.js';
import type { Report, ServiceReport, SliceReport, ThresholdReport, ThresholdResult } from './types.js';

/**
 * Where a metric's value comes from. `undefined` means "cannot be judged here" (a rate
 * while the run is still going); `null` means "no data" (which fails).
 */
export interface MetricSource {
  dist(d: ThresholdDist): DistSummary | null | undefined;
  scalar(kind: Exclude<MetricRef['kind'], 'dist' | 'declared'>): number | null | undefined;
  /** Requests measured and how many succeeded, when known: a latency or rate with no success fails. */
  outcomes?(): { total: number; successful: number };
  /** The metrics the service's backend declared, which thresholds may name beside the fixed ones. */
  declarations?: readonly MetricDeclaration[];
  /** A declared metric's figure in the report's shape (figureAt); null: none was seen. */
  declared?(d: MetricDeclaration): unknown;
}

/**
 * Metrics that describe successful work: none of them may pass where nothing succeeded.
 * Declared ones too: a backend's figures (TTFB, recall, …) describe work that was done.
 */
const NEEDS_SUCCESS = new Set<MetricRef['kind']>(['dist', 'declared', 'throughput_rps', 'successful_rps', 'output_tokens_per_second', 'total_tokens_per_second']);

/** What a result says when a latency or rate threshold meets a slice whose every request failed. */
export const NO_SUCCESS = 'no successful request';

/** Thresholds per service, as the recipe gave them. */
export type ThresholdsByService = Record<string, ThresholdFields>;

const CONTROL_KEYS = new Set(['abort_on_fail', 'abort_after', 'operations']);

/** The metric conditions of one thresholds block, in its key order. */
export function conditionsOf(t: Record<string, unknown>): [string, string][] {
  return Object.entries(t).filter((e): e is [string, string] => !CONTROL_KEYS.has(e[0]) && typeof e[1] === 'string');
}

/**
 * A declared metric's value in its unit: a trend's statistic (ms, from the report's
 * seconds), a rate's mean or minimum, a counter's total (0 when none was counted in a
 * slice that measured requests: a counter of 0 is not shown in the report).
 */
function declaredValue(ref: Extract<MetricRef, { kind: 'declared' }>, src: MetricSource): number | null | undefined {
  const f = src.declared?.(ref.metric);
  if (f === undefined) return undefined;
  const d = ref.metric;
  if (d.kind === 'counter') {
    if (typeof f === 'number') return f;
    const o = src.outcomes?.();
    return o && o.total > 0 ? 0 : null;
  }
  if (f === null || typeof f !== 'object') return null;
  if (d.kind === 'rate') {
    const v = (f as RateSummary)[ref.stat as 'mean' | 'min'];
    return typeof v === 'number' ? v : null;
  }
  const dist = f as DistSummary;
  const v = dist.count ? dist[ref.stat as ThresholdStat] : null;
  // Every trend is recorded as if in ms and summarised in seconds (distribution.ts).
  return typeof v === 'number' ? v * 1000 : null;
}

/** Value of a metric in its unit (ms, fraction, per second, count). */
export function metricValue(ref: MetricRef, src: MetricSource): number | null | undefined {
  if (ref.kind === 'declared') return declaredValue(ref, src);
  if (ref.kind !== 'dist') return src.scalar(ref.kind);
  const d = src.dist(ref.dist);
  if (d === undefined) return undefined;
  const v = d === null || d.count === 0 ? null : d[ref.stat];
  return v === null ? null : v * 1000;
}

/** Judges one condition; undefined when the source cannot judge this metric. */
export function judge(service: string, operation: string | null, metric: string, condition: string, src: MetricSource): ThresholdResult | undefined {
  const m = thresholdMetricsFor(src.declarations ?? []).get(metric);
  const c = m ? parseCondition(condition, m.unit) : 'unknown metric';
  const base = { service, operation, metric, condition, unit: m?.unit ?? 'count' } as const;
  if (!m || typeof c === 'string') return { ...base, actual: null, pass: false, note: typeof c === 'string' ? c : undefined };
  const o = src.outcomes?.();
  if (o && o.total > 0 && o.successful === 0 && NEEDS_SUCCESS.has(m.ref.kind)) return { ...base, actual: null, pass: false, note: NO_SUCCESS };
  const actual = metricValue(m.ref, src);
  if (actual === undefined) return undefined;
  if (actual === null) return { ...base, actual: null, pass: false, note: 'no data' };
  const pass = c.op === '<' ? actual < c.value : c.op === '<=' ? actual <= c.value : c.op === '>' ? actual > c.value : actual >= c.value;
  return { ...base, actual: Number(actual.toPrecision(6)), pass };
}

/**
 * The final report as a metric source: a service, or one of its operations. Latency is
 * judged on successful requests (a refused connection is fast, not good); failures count
 * in error_rate and failed_requests.
 */
export function reportSource(s: ServiceReport, slice: SliceReport = s, isService = true): MetricSource {
  return {
    outcomes: () => ({ total: slice.requests.total, successful: slice.requests.successful }),
    declarations: declarationsOf(s),
    // An operation has a declared figure only when it is kept per operation.
    declared: (d) => (isService || d.perOperation ? (figureAt(slice, d) ?? null) : undefined),
    dist: (d) => {
      if (d === 'latency') return slice.latency.successful;
      if (d === 'service_time') return slice.service_time;
      if (d === 'schedule_lag') return slice.schedule_lag;
      return isService ? (s.llm?.[d] ?? null) : null;
    },
    scalar: (kind) => {
      switch (kind) {
        case 'error_rate': return slice.requests.total ? slice.requests.failed / slice.requests.total : null;
        case 'failed_requests': return slice.requests.failed;
        case 'throughput_rps': return slice.throughput.requests_per_second;
        case 'successful_rps': return slice.throughput.successful_per_second;
        case 'dropped_starts': return isService ? s.load.dropped_starts : null;
        case 'output_tokens_per_second': return isService ? (s.llm?.output_tokens_per_second ?? null) : null;
        case 'total_tokens_per_second': return isService ? (s.llm?.total_tokens_per_second ?? null) : null;
      }
    },
  };
}

/**
 * Judges every threshold on the final data. A service or operation with no data fails
 * its thresholds: a CI gate must not pass because nothing was measured.
 *
 * A service with `load.sweep` runs as steps (`NAME@rate=10`, ...): its thresholds are
 * judged on every step, each result naming its step. A `load.search` already judges its
 * steps by its SLOs and fails those above the limit by design, so its thresholds are
 * judged on the step at the rate it found; when no rate met the SLOs they fail.
 */
export function evaluateThresholds(report: Pick<Report, 'services'> & Partial<Pick<Report, 'sweeps'>>, thresholds: ThresholdsByService | Plan): ThresholdReport {
  const byService = 'services' in thresholds && Array.isArray(thresholds.services) ? thresholdsOfPlan(thresholds as Plan) : (thresholds as ThresholdsByService);
  const results: ThresholdResult[] = [];
  const missing = (service: string, operation: string | null, metric: string, condition: string, note = 'no data'): ThresholdResult => {
    const s = report.services[service];
    const unit = thresholdMetricsFor(s ? declarationsOf(s) : []).get(metric)?.unit ?? 'count';
    return { service, operation, metric, condition, actual: null, unit, pass: false, note };
  };
  const judgeService = (name: string, t: ThresholdFields, note?: string) => {
    const s = note ? undefined : report.services[name];
    for (const [metric, cond] of conditionsOf(t)) {
      results.push((s && judge(name, null, metric, cond, reportSource(s))) || missing(name, null, metric, cond, note));
    }
    for (const [op, ot] of Object.entries(t.operations ?? {})) {
      const slice = s?.operations[op];
      for (const [metric, cond] of conditionsOf(ot)) {
        results.push((s && slice && judge(name, op, metric, cond, reportSource(s, slice, false))) || missing(name, op, metric, cond, note));
      }
    }
  };
  for (const [name, t] of Object.entries(byService)) {
    const group = report.sweeps?.[name];
    if (!group || report.services[name]) judgeService(name, t);
    else if (group.kind === 'sweep') for (const step of group.steps) judgeService(step.service, t);
    else {
      const found = group.steps.find((st) => st.passed && st.value === group.best_rate);
      judgeService(found?.service ?? name, t, found ? undefined : 'the search found no rate meeting its SLOs');
    }
  }
  const failed = results.filter((r) => !r.pass).length;
  return { defined: results.length, passed: results.length - failed, failed, results };
}

/** Thresholds of every service of a plan that has some. */
export function thresholdsOfPlan(plan: Plan): ThresholdsByService {
  const out: ThresholdsByService = {};
  for (const s of plan.services) {
    const t = s.fields.thresholds;
    if (t && typeof t === 'object') out[s.name] = t as ThresholdFields;
  }
  return out;
}

/**
 * Thresholds from the recipe text stored with a run, so `aifb report` judges a run the
 * way `aifb run` did. A block that does not validate here (it used `${VAR}`) is skipped.
 */
export function thresholdsFromRecipeText(text: string | null | undefined): ThresholdsByService {
  if (!text) return {};
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return {};
  }
  const services = (doc as { services?: unknown } | null)?.services;
  const out: ThresholdsByService = {};
  if (!Array.isArray(services)) return out;
  for (const s of services as Record<string, unknown>[]) {
    if (!s || typeof s.service_name !== 'string' || s.thresholds === undefined) continue;
    // The raw block keeps the recipe's key order (zod's output follows the schema's).
    if (thresholdsSchema.safeParse(s.thresholds).success) out[s.service_name] = s.thresholds as ThresholdFields;
  }
  return out;
}
