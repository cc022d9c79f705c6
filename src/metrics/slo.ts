import type { Slo } from '../recipe/types.js';
import type { MetricDeclaration } from './declaration.js';

/** The figures of one request that SLOs are checked against (ms). */
export interface SloFacts {
  ok: boolean;
  /** End-to-end latency from the intended start. */
  latencyMs: number;
  ttftMs?: number | null | undefined;
  tpotMs?: number | null | undefined;
  itlMaxMs?: number | null | undefined;
  outputTokens?: number | null | undefined;
}

/**
 * Whether a request counts toward goodput: it succeeded and met every SLO that is set.
 * e2el is checked on latency from the intended start, so an open loop's queueing counts.
 * itl is checked on the request's largest per-token gap. A request with no first token
 * fails a ttft SLO; one with a single token has no tpot/itl and passes those.
 */
export function meetsSlo(f: SloFacts, slo: Slo): boolean {
  if (!f.ok) return false;
  if (slo.e2elMs !== undefined && f.latencyMs > slo.e2elMs) return false;
  if (slo.ttftMs !== undefined && (f.ttftMs == null || f.ttftMs > slo.ttftMs)) return false;
  if (slo.tpotMs !== undefined && f.tpotMs != null && f.tpotMs > slo.tpotMs) return false;
  if (slo.itlMs !== undefined && f.itlMaxMs != null && f.itlMaxMs > slo.itlMs) return false;
  return true;
}

/**
 * The name in `extra` of the declared trend the recipe's `itl_ms` SLO is judged on, if the
 * backend declared one (MetricDeclaration.judges).
 */
export function itlJudgedBy(declared: readonly MetricDeclaration[] | undefined): string | undefined {
  return declared?.find((d) => d.judges === 'itl_ms')?.name;
}

/**
 * A request's largest value of the trend `from` (itlJudgedBy) as its `extra` keeps it: a
 * number, or `[value, count]` pairs (counts of 0 aside); undefined without one.
 */
export function largestJudged(extra: Readonly<Record<string, unknown>> | undefined, from: string | undefined): number | undefined {
  if (from === undefined || extra === undefined) return undefined;
  const v = extra[from];
  if (typeof v === 'number') return v;
  if (!Array.isArray(v)) return undefined;
  let max: number | undefined;
  for (const p of v as unknown[]) {
    if (Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number' && p[1] > 0) max = Math.max(max ?? p[0], p[0]);
  }
  return max;
}
