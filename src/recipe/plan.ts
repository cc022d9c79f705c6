import { MSG } from '../messages.js';
import { parseDurationMs } from '../util/units.js';
import type { BackendDefinition } from '../services/contract.js';
import { fieldsOf } from '../services/fields.js';
import type { PathSegment } from './env.js';
import type { RecipeFields, ServiceFields } from './schema.js';
import type { LoadProfile, MixEntry, Plan, ServiceSpec, Slo, Stage, StepPlan, Warmup } from './types.js';

/** Defaults, in one place so docs/recipe.md can quote them. */
export const DEFAULTS = {
  seed: 42,
  durationMs: 60_000,
  timeoutMs: 60_000,
  maxInFlight: 1000,
  arrival: 'poisson' as const,
  metricsDb: 'metrics.db',
  reportsDir: 'reports',
  logsDir: 'logs',
  stepMs: 30_000,
};

/** Cross-field rules of the load profile that a zod shape cannot express. */
export function checkLoadFields(s: ServiceFields): { path: PathSegment[]; message: string }[] {
  const out: { path: PathSegment[]; message: string }[] = [];
  const load = s.load ?? {};
  if (load.rate !== undefined && load.clients !== undefined) out.push({ path: ['load'], message: MSG.rateAndClients });
  if (load.rate !== undefined && s.requests_per_second !== undefined) {
    out.push({ path: ['load', 'rate'], message: MSG.loadAndSeedField('rate', 'requests_per_second') });
  }
  if (load.clients !== undefined && s.client_count !== undefined) {
    out.push({ path: ['load', 'clients'], message: MSG.loadAndSeedField('clients', 'client_count') });
  }
  const mode = modeOf(s);
  if (mode === undefined) out.push({ path: ['load', 'stages'], message: MSG.stagesNeedMode });
  if (mode === 'open' && load.rate === undefined && s.requests_per_second === undefined && !load.stages && !load.sweep && !load.search) {
    out.push({ path: ['load'], message: MSG.openNeedsRate });
  }
  if (mode === 'closed' && load.rate !== undefined) out.push({ path: ['load', 'rate'], message: MSG.rateInClosed });
  if (load.sweep) {
    const { rates, clients } = load.sweep;
    if ((rates === undefined) === (clients === undefined)) out.push({ path: ['load', 'sweep'], message: MSG.sweepOneOf });
    else if (rates && mode !== 'open') out.push({ path: ['load', 'sweep', 'rates'], message: MSG.sweepRatesNeedOpen });
    else if (clients && mode !== 'closed') out.push({ path: ['load', 'sweep', 'clients'], message: MSG.sweepClientsNeedClosed });
    if (load.search) out.push({ path: ['load', 'search'], message: MSG.sweepAndSearch });
  }
  if (load.search) {
    if (mode !== 'open') out.push({ path: ['load', 'search'], message: MSG.searchNeedsOpen });
    if (!s.slo || Object.keys(s.slo).length === 0) out.push({ path: ['load', 'search'], message: MSG.searchNeedsSlo });
    if (load.search.max_rate <= load.search.min_rate) out.push({ path: ['load', 'search', 'max_rate'], message: MSG.searchRange });
  }
  if (mode === 'open' && load.clients !== undefined) out.push({ path: ['load', 'clients'], message: MSG.clientsInOpen });
  return out;
}

/**
 * Open loop when a rate is given (load.rate or the seed's requests_per_second),
 * closed loop when clients are; stages alone need an explicit mode.
 */
function modeOf(s: ServiceFields): 'open' | 'closed' | undefined {
  const load = s.load ?? {};
  if (load.mode) return load.mode;
  if (load.rate !== undefined || s.requests_per_second !== undefined || load.sweep?.rates || load.search) return 'open';
  if (load.sweep?.clients) return 'closed';
  if (load.clients !== undefined || s.client_count !== undefined) return 'closed';
  if (load.stages) return undefined;
  return 'closed';
}

function durationMs(v: number | string | undefined): number | undefined {
  return v === undefined ? undefined : parseDurationMs(v);
}

function warmupOf(w: NonNullable<ServiceFields['load']>['warmup']): Warmup {
  if (w === undefined) return { kind: 'none' };
  if (typeof w === 'object') {
    if ('requests' in w) return w.requests > 0 ? { kind: 'requests', count: w.requests } : { kind: 'none' };
    const ms = durationMs(w.duration) ?? 0;
    return ms > 0 ? { kind: 'time', ms } : { kind: 'none' };
  }
  const ms = durationMs(w) ?? 0;
  return ms > 0 ? { kind: 'time', ms } : { kind: 'none' };
}

/**
 * The seed's fields map onto the load profile as follows: `requests_per_second` is the
 * service's total target rate (open loop), not a per-thread sleep; with it,
 * `client_count` caps requests in flight (the seed's threads were its only concurrency).
 * `client_count` alone is a closed loop of that many clients.
 */
export function resolveLoad(s: ServiceFields, benchmarkDuration: number | string | undefined): LoadProfile {
  const load = s.load ?? {};
  const stages: Stage[] = (load.stages ?? []).map((st) => ({ durationMs: durationMs(st.duration) ?? 0, target: st.target }));
  const stagesMs = stages.reduce((a, st) => a + st.durationMs, 0);
  const explicit = durationMs(s.duration) ?? durationMs(benchmarkDuration);
  const requests = load.requests;
  const durationWindow = explicit ?? (stages.length > 0 ? stagesMs : requests !== undefined ? undefined : DEFAULTS.durationMs);
  const common = { stages, warmup: warmupOf(load.warmup), durationMs: durationWindow, requests };
  if (modeOf(s) === 'open') {
    return {
      mode: 'open',
      rate: load.rate ?? s.requests_per_second ?? 0,
      arrival: load.arrival ?? DEFAULTS.arrival,
      burstiness: load.arrival === 'gamma' ? (load.burstiness ?? 1) : 1,
      maxInFlight: load.max_in_flight ?? s.client_count ?? DEFAULTS.maxInFlight,
      exactCount: load.exact_count ?? true,
      ...common,
    };
  }
  return {
    mode: 'closed',
    clients: load.clients ?? s.client_count ?? (stages.length > 0 ? 0 : 1),
    thinkTimeMs: durationMs(load.think_time) ?? 0,
    ...common,
  };
}

function stepsOf(s: ServiceFields, fallbackMs: number | undefined): StepPlan | undefined {
  const load = s.load ?? {};
  if (load.sweep) {
    const stepDurationMs = durationMs(load.sweep.step_duration) ?? fallbackMs ?? DEFAULTS.stepMs;
    if (load.sweep.rates) return { kind: 'sweep', variable: 'rate', values: load.sweep.rates, stepDurationMs };
    return { kind: 'sweep', variable: 'clients', values: load.sweep.clients ?? [], stepDurationMs };
  }
  if (load.search) {
    const q = load.search;
    return {
      kind: 'search',
      minRate: q.min_rate,
      maxRate: q.max_rate,
      steps: q.steps ?? 4,
      target: q.target ?? 0.9,
      stepDurationMs: durationMs(q.step_duration) ?? fallbackMs ?? DEFAULTS.stepMs,
    };
  }
  return undefined;
}

function sloOf(s: ServiceFields): Slo | undefined {
  if (!s.slo) return undefined;
  const out: Slo = {};
  if (s.slo.ttft_ms !== undefined) out.ttftMs = s.slo.ttft_ms;
  if (s.slo.tpot_ms !== undefined) out.tpotMs = s.slo.tpot_ms;
  if (s.slo.itl_ms !== undefined) out.itlMs = s.slo.itl_ms;
  if (s.slo.e2el_ms !== undefined) out.e2elMs = s.slo.e2el_ms;
  return out;
}

function mixOf(s: ServiceFields, def: BackendDefinition | undefined): MixEntry[] {
  const mix = s.operation_mix ?? (def?.defaultMixFor && def.defaultMixFor(fieldsOf(def.fields, s))) ?? def?.defaultMix ?? {};
  return Object.entries(mix)
    .filter(([, w]) => w > 0)
    .map(([operation, weight]) => ({ operation, weight }));
}

export function buildPlan(
  recipe: RecipeFields,
  definitions: (BackendDefinition | undefined)[],
  source: { file: string; redactedText: string; recipeHash: string },
): Plan {
  const g = recipe.global ?? {};
  const baseSeed = g.seed ?? DEFAULTS.seed;
  const services: ServiceSpec[] = recipe.services.map((s, i) => {
    const load = resolveLoad(s, recipe.benchmark?.duration);
    return {
      name: s.service_name,
      type: s.service_type,
      backend: s.backend ?? definitions[i]?.backend,
      fields: s,
      load,
      mix: mixOf(s, definitions[i]),
      timeoutMs: durationMs(s.timeout) ?? DEFAULTS.timeoutMs,
      seed: s.load?.seed ?? baseSeed,
      slo: sloOf(s),
      steps: stepsOf(s, durationMs(s.duration)),
    };
  });
  return {
    name: recipe.benchmark?.name ?? 'aifb benchmark',
    description: recipe.benchmark?.description,
    sourceFile: source.file,
    redactedText: source.redactedText,
    recipeHash: source.recipeHash,
    global: {
      logLevel: g.log_level ?? 'info',
      metricsDb: g.metrics_db ?? DEFAULTS.metricsDb,
      reportsDir: g.reports_dir ?? DEFAULTS.reportsDir,
      logsDir: g.logs_dir ?? DEFAULTS.logsDir,
      pushgatewayUrl: g.pushgateway_url,
      threads: g.threads ?? 'per_service',
    },
    services,
    warnings: [],
  };
}
