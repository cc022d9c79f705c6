import { Distribution } from '../metrics/distribution.js';
import { countsOutcome, type MetricDeclaration } from '../metrics/declaration.js';
import { addTo, newTally, summaryOf, type Tally } from '../metrics/aggregates/declared-tally.js';
import type { Sample } from '../metrics/sample.js';
import type { RunObserver } from '../engine/types.js';
import type { LiveStats } from '../engine/live.js';
import type { ServiceSpec } from '../recipe/types.js';
import { parseCondition, thresholdMetricsFor, type ThresholdDist, type ThresholdFields } from '../recipe/thresholds.js';
import { parseDurationMs } from '../util/units.js';
import { conditionsOf, judge, type MetricSource } from './thresholds.js';
import type { ThresholdResult } from './types.js';

/** Judging starts after this much measured time unless `abort_after` says otherwise. */
export const DEFAULT_ABORT_AFTER_MS = 5000;
/** Nor before this many measured requests: a p99 of ten requests is one request. */
export const MIN_LIVE_REQUESTS = 20;
const CHECK_EVERY_MS = 1000;

class LiveSlice {
  readonly dists = new Map<ThresholdDist, Distribution>();
  /** The declared metrics its conditions name, tallied as the report does (extras.ts). */
  readonly declared = new Map<MetricDeclaration, Tally>();
  total = 0;
  failed = 0;

  constructor(wanted: Iterable<ThresholdDist>, declared: Iterable<MetricDeclaration>) {
    for (const d of wanted) this.dists.set(d, new Distribution());
    for (const d of declared) this.declared.set(d, newTally(d.kind));
  }

  add(s: Sample): void {
    this.total++;
    if (!s.ok) this.failed++;
    if (s.extra) {
      for (const [d, t] of this.declared) {
        const v = s.extra[d.name];
        if (v !== undefined && countsOutcome(d, s.ok)) addTo(t, v);
      }
    }
    // Latencies are judged on successful requests, as on the final data (thresholds.ts).
    if (!s.ok) return;
    const put = (d: ThresholdDist, ms: number | undefined) => (ms === undefined ? undefined : this.dists.get(d)?.record(ms));
    put('latency', s.end - s.intendedStart);
    put('service_time', s.end - s.actualStart);
    put('schedule_lag', s.actualStart - s.intendedStart);
    put('ttft', s.llm?.ttftMs);
    put('tpot', s.llm?.tpotMs);
    put('itl', s.llm?.itlMs);
  }

  source(live: LiveStats | undefined, isService: boolean, declarations: readonly MetricDeclaration[]): MetricSource {
    return {
      outcomes: () => ({ total: this.total, successful: this.total - this.failed }),
      declarations,
      declared: (d) => {
        const t = this.declared.get(d);
        return t === undefined ? undefined : (summaryOf(t, d) ?? null);
      },
      dist: (d) => this.dists.get(d)?.summary(),
      scalar: (kind) => {
        // Only figures that can no longer recover once they fail are judged live:
        // counts only grow, and a rate judged early would abort every ramp-up.
        if (kind === 'error_rate') return this.total ? this.failed / this.total : undefined;
        if (kind === 'failed_requests') return this.failed;
        if (kind === 'dropped_starts' && isService && live) return live.dropped;
        return undefined;
      },
    };
  }
}

interface Watched {
  fields: ThresholdFields;
  declarations: readonly MetricDeclaration[];
  live: LiveStats | undefined;
  all: LiveSlice;
  ops: Map<string, LiveSlice>;
  first: number | undefined;
  lastCheck: number;
  afterMs: number;
}

/** The declared metrics a block's conditions name, so only those are tallied. */
const declaredOf = (t: Record<string, unknown>, declarations: readonly MetricDeclaration[]): MetricDeclaration[] => {
  const names = thresholdMetricsFor(declarations);
  return [...new Set(conditionsOf(t).flatMap(([m]) => {
    const ref = names.get(m)?.ref;
    return ref?.kind === 'declared' ? [ref.metric] : [];
  }))];
};

/**
 * Whether a condition can be judged on partial data. A counter only grows: past an upper
 * bound it cannot come back, but below a lower bound it may still reach it.
 */
function judgeableLive(metric: string, condition: string, declarations: readonly MetricDeclaration[]): boolean {
  const m = thresholdMetricsFor(declarations).get(metric);
  if (m?.ref.kind !== 'declared' || m.ref.metric.kind !== 'counter') return true;
  const c = parseCondition(condition, m.unit);
  return typeof c === 'string' || c.op === '<' || c.op === '<=';
}

const distsOf = (t: Record<string, unknown>): ThresholdDist[] =>
  conditionsOf(t).flatMap(([m]) => {
    const d = /^(?:(?:p\d+(?:_9)?|mean|max)_)?(latency|service_time|schedule_lag|ttft|tpot|itl)(?:_(?:p\d+(?:_9)?|mean|max))?_ms$/.exec(m)?.[1];
    return d ? [d as ThresholdDist] : [];
  });

/**
 * Watches services whose thresholds say `abort_on_fail`, judging the conditions that can
 * be judged on partial data once a second (of sample time), and calls `onFail` once, with
 * the failing results, the first time one fails. The caller decides what stopping means
 * (aifb run aborts its stop controller, so the run ends as partial and exits 99).
 */
export class ThresholdWatch implements RunObserver {
  private readonly watched = new Map<string, Watched>();
  /** The failures that triggered the abort, once one has. */
  triggered: ThresholdResult[] | undefined;

  /** `declarationsOf` gives the metrics a service's backend declares, which its thresholds may name. */
  constructor(
    private readonly onFail: (failures: ThresholdResult[]) => void,
    private readonly declarationsOf: (spec: ServiceSpec) => readonly MetricDeclaration[] = () => [],
  ) {}

  serviceStarted(spec: ServiceSpec, live: LiveStats): void {
    const t = spec.fields.thresholds as ThresholdFields | undefined;
    if (!t?.abort_on_fail) return;
    // A search's steps above its limit fail by design; its thresholds are judged at the rate
    // it found (thresholds.ts), so none of its steps may stop the run. A sweep's steps are
    // each judged, so a failing one may.
    if (spec.step && (spec.fields.load as { search?: unknown } | undefined)?.search !== undefined) return;
    const declarations = this.declarationsOf(spec);
    const slice = (block: Record<string, unknown>) => new LiveSlice(distsOf(block), declaredOf(block, declarations));
    const ops = new Map(Object.entries(t.operations ?? {}).map(([op, ot]) => [op, slice(ot)]));
    const afterMs = t.abort_after === undefined ? DEFAULT_ABORT_AFTER_MS : (parseDurationMs(t.abort_after) ?? DEFAULT_ABORT_AFTER_MS);
    this.watched.set(spec.name, { fields: t, declarations, live, all: slice(t), ops, first: undefined, lastCheck: -Infinity, afterMs });
  }

  sample(spec: ServiceSpec, s: Sample): void {
    const w = this.watched.get(spec.name);
    if (!w || this.triggered) return;
    w.all.add(s);
    w.ops.get(s.operation)?.add(s);
    w.first ??= s.intendedStart;
    if (s.end - w.first < w.afterMs || s.end - w.lastCheck < CHECK_EVERY_MS || w.all.total < MIN_LIVE_REQUESTS) return;
    w.lastCheck = s.end;
    const failures = this.check(spec.name);
    if (failures.length > 0) {
      this.triggered = failures;
      this.onFail(failures);
    }
  }

  /** Judges a watched service's live conditions now; exposed for tests. */
  check(name: string): ThresholdResult[] {
    const w = this.watched.get(name);
    const out: ThresholdResult[] = [];
    if (!w) return out;
    const run = (t: Record<string, unknown>, slice: LiveSlice, op: string | null) => {
      if (slice.total < MIN_LIVE_REQUESTS) return;
      for (const [metric, cond] of conditionsOf(t)) {
        if (!judgeableLive(metric, cond, w.declarations)) continue;
        const r = judge(name, op, metric, cond, slice.source(w.live, op === null, w.declarations));
        if (r && !r.pass && r.note === undefined) out.push(r);
      }
    };
    run(w.fields, w.all, null);
    for (const [op, ot] of Object.entries(w.fields.operations ?? {})) run(ot, w.ops.get(op)!, op);
    return out;
  }
}
