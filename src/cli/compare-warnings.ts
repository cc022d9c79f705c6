import { parse } from 'yaml';
import type { Report } from '../report/types.js';

interface Run {
  label: string;
  report: Report;
  recipeText: string | null;
}

/** Window lengths closer than this (relative) are the same window measured twice. */
const WINDOW_TOLERANCE = 0.02;

/** Each service's operation_mix as the stored recipe wrote it (null if the run has no stored recipe). */
function mixes(text: string | null): Map<string, string> | null {
  if (!text) return null;
  try {
    const recipe = parse(text) as { services?: { service_name?: unknown; operation_mix?: unknown }[] } | null;
    return new Map((recipe?.services ?? []).map((s) => [String(s.service_name), JSON.stringify(s.operation_mix ?? null)]));
  } catch {
    return null;
  }
}

/**
 * Why two runs may not be comparable: a service's measured window, offered load (mode,
 * rate, clients, arrival, in-flight cap, stages) or operation mix differs from the baseline's.
 * A difference beyond noise may then be the recipe's, not the server's.
 */
export function comparabilityWarnings(runs: Run[]): string[] {
  const [base, ...rest] = runs;
  if (!base) return [];
  const out: string[] = [];
  const baseMix = mixes(base.recipeText);
  for (const run of rest) {
    const mix = mixes(run.recipeText);
    for (const [name, b] of Object.entries(base.report.services)) {
      const s = run.report.services[name];
      if (!s) continue;
      const diffs: string[] = [];
      const bw = b.load.window_seconds;
      const w = s.load.window_seconds;
      if (bw && w && Math.abs(w - bw) / bw > WINDOW_TOLERANCE) diffs.push(`window ${bw.toFixed(1)}s vs ${w.toFixed(1)}s`);
      const keys = ['mode', 'requested_rate', 'clients', 'arrival', 'max_in_flight'] as const;
      for (const k of keys) if (b.load[k] !== s.load[k]) diffs.push(`${k} ${b.load[k] ?? '-'} vs ${s.load[k] ?? '-'}`);
      if (JSON.stringify(b.load.stages) !== JSON.stringify(s.load.stages)) diffs.push('stages differ');
      const bm = baseMix?.get(name);
      const m = mix?.get(name);
      if (bm !== undefined && m !== undefined && bm !== m) diffs.push(`operation_mix ${bm} vs ${m}`);
      if (diffs.length) out.push(`${name}: ${run.label} ran another load than ${base.label} (${diffs.join('; ')}): a change may be the recipe's, not the server's`);
    }
  }
  return out;
}
