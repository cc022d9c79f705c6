import type { LoadProfile, ServiceSpec, StepPlan } from '../recipe/types.js';
import { itlJudgedBy, largestJudged, meetsSlo } from '../metrics/slo.js';
import type { BenchmarkOptions, RunObserver, ServiceRunResult } from './types.js';

type RunOne = (spec: ServiceSpec, o: BenchmarkOptions) => Promise<ServiceRunResult>;

/** What one step showed: how many requests met every SLO, and whether it kept up. */
export interface StepOutcome {
  value: number;
  service: string;
  status: string;
  requests: number;
  good: number;
  dropped: number;
  passed: boolean;
}

function levelLoad(load: LoadProfile, variable: 'rate' | 'clients', value: number, durationMs: number): LoadProfile {
  const common = { stages: [], durationMs, requests: undefined };
  if (variable === 'rate' && load.mode === 'open') return { ...load, ...common, rate: value };
  if (variable === 'clients' && load.mode === 'closed') return { ...load, ...common, clients: value };
  throw new Error(`a ${variable} step cannot drive a ${load.mode} loop`);
}

/** Counts, for one step, the requests that met the SLOs and the starts dropped. */
function sloCounter(spec: ServiceSpec, o: BenchmarkOptions): RunObserver & { requests: number; good: number; dropped: number } {
  const itlFrom = itlJudgedBy(o.registry.resolve(spec.type, spec.backend)?.metrics);
  const c = {
    requests: 0,
    good: 0,
    dropped: 0,
    sample(s: ServiceSpec, x: import('../metrics/sample.js').Sample) {
      if (s.name !== spec.name) return;
      c.requests++;
      const slo = spec.slo ?? {};
      const good = meetsSlo(
        {
          ok: x.ok,
          latencyMs: x.end - x.intendedStart,
          ttftMs: x.llm?.ttftMs,
          tpotMs: x.llm?.tpotMs,
          itlMaxMs: largestJudged(x.extra, itlFrom),
        },
        slo,
      );
      if (good) c.good++;
    },
    serviceEnded(s: ServiceSpec, _r: ServiceRunResult, live: { dropped: number }) {
      if (s.name === spec.name) c.dropped = live.dropped;
    },
  };
  return c;
}

/**
 * Runs a service's steps one after another: each level of a sweep, or the bisection of a
 * search for the highest rate at which at least `target` of the requests meet every SLO
 * and no start is dropped. Each step is a service of its own in the database and report.
 */
export async function runSteps(spec: ServiceSpec, o: BenchmarkOptions, runOne: RunOne): Promise<ServiceRunResult> {
  const plan = spec.steps as StepPlan;
  const variable = plan.kind === 'sweep' ? plan.variable : 'rate';
  const target = plan.kind === 'search' ? plan.target : 1;
  const outcomes: StepOutcome[] = [];
  const step = async (value: number): Promise<StepOutcome> => {
    const name = `${spec.name}@${variable}=${value}`;
    const stepSpec: ServiceSpec = {
      ...spec,
      name,
      steps: undefined,
      step: { group: spec.name, variable, value },
      load: levelLoad(spec.load, variable, value, plan.stepDurationMs),
    };
    const counter = sloCounter(stepSpec, o);
    const r = await runOne(stepSpec, { ...o, observers: [...(o.observers ?? []), counter] });
    const passed = r.status === 'complete' && counter.requests > 0 && counter.dropped === 0 && counter.good >= target * counter.requests;
    const out = { value, service: name, status: r.status, requests: counter.requests, good: counter.good, dropped: counter.dropped, passed };
    outcomes.push(out);
    return out;
  };

  let best: number | null = null;
  if (plan.kind === 'sweep') {
    for (const v of plan.values) {
      if (o.stop.aborted) break;
      await step(v);
    }
  } else {
    const round = (v: number) => Number(v.toPrecision(3));
    let lo = plan.minRate;
    let hi = plan.maxRate;
    if ((await step(lo)).passed) {
      if (!o.stop.aborted && (await step(hi)).passed) best = hi;
      else {
        best = lo;
        for (let i = 0; i < plan.steps && !o.stop.aborted; i++) {
          const mid = round((lo + hi) / 2);
          if (mid <= lo || mid >= hi) break;
          if ((await step(mid)).passed) best = lo = mid;
          else hi = mid;
        }
      }
    }
  }
  o.store.saveStepGroup(spec.name, plan.kind, variable, { best_rate: best, target, steps: outcomes });
  const failed = outcomes.find((x) => x.status === 'failed');
  const status = o.stop.aborted ? 'partial' : failed ? 'failed' : 'complete';
  return failed ? { name: spec.name, status, error: `step ${failed.service} failed` } : { name: spec.name, status };
}
