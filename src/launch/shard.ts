import type { LoadProfile, Plan, ServiceSpec } from '../recipe/types.js';
import { generatorsOf } from './config.js';

/** Generator `k`'s share of `n` when `g` generators split it: the first `n mod g` get one more. */
export function shareOf(n: number, k: number, g: number): number {
  return Math.floor(n / g) + (k < n % g ? 1 : 0);
}

function divideLoad(load: LoadProfile, k: number, g: number): LoadProfile {
  const requests = load.requests === undefined ? undefined : shareOf(load.requests, k, g);
  const warmup = load.warmup.kind === 'requests' ? { kind: 'requests' as const, count: shareOf(load.warmup.count, k, g) } : load.warmup;
  if (load.mode === 'open') {
    // Rates add across generators, so each offers 1/g of the target.
    return {
      ...load,
      rate: load.rate / g,
      stages: load.stages.map((s) => ({ ...s, target: s.target / g })),
      maxInFlight: Math.max(1, Math.ceil(load.maxInFlight / g)),
      requests,
      warmup,
    };
  }
  return {
    ...load,
    clients: shareOf(load.clients, k, g),
    stages: load.stages.map((s) => ({ ...s, target: shareOf(s.target, k, g) })),
    requests,
    warmup,
  };
}

/** True when generator `k`'s share of the service has something to do. */
function hasWork(load: LoadProfile): boolean {
  if (load.requests === 0) return false;
  if (load.mode === 'closed') return load.clients > 0 || load.stages.some((s) => s.target > 0);
  return load.rate > 0 || load.stages.some((s) => s.target > 0);
}

/**
 * Generator `k`'s part of one service: 1/g of its load, its own random stream (seed + k,
 * so generator 0 of a one-generator service runs exactly as before), and no further
 * sharding. Undefined when this generator has no share.
 */
export function shardService(spec: ServiceSpec, k: number): ServiceSpec | undefined {
  const g = generatorsOf(spec.fields);
  if (k >= g) return undefined;
  const load = g === 1 ? spec.load : divideLoad(spec.load, k, g);
  if (!hasWork(load)) return undefined;
  // generator_index tells a backend which generator it is, for what each must own alone (a table);
  // generator_count, for what the generators must share (a server's free connections).
  return { ...spec, load, seed: spec.seed + k, fields: { ...spec.fields, generators: 1, ...(g > 1 ? { generator_index: k, generator_count: g } : {}) } };
}

/**
 * The plan a load-generator task runs: every service's share for generator `k`
 * (services with fewer generators than k+1 are not in it). `only` keeps one service.
 */
export function shardPlan(plan: Plan, k: number, only?: string): Plan {
  const services = plan.services
    .filter((s) => only === undefined || s.name === only)
    .map((s) => shardService(s, k))
    .filter((s): s is ServiceSpec => s !== undefined);
  return { ...plan, services };
}

/** Slurm tasks the client job needs: the largest `generators` of any service. */
export function generatorTasks(plan: Plan): number {
  return Math.max(1, ...plan.services.map((s) => generatorsOf(s.fields)));
}
