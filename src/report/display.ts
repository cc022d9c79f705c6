import { parseCondition } from '../recipe/thresholds.js';
import type { Report, ServiceReport } from './types.js';

/**
 * The services of a report in reading order: as run, except that the steps of a sweep
 * or search (run in bisection order) are listed by rate, where the group's first step was.
 */
export function servicesInOrder(report: Report): [string, ServiceReport][] {
  const stepOf = new Map<string, { group: string; value: number }>();
  for (const [group, g] of Object.entries(report.sweeps ?? {})) for (const st of g.steps) stepOf.set(st.service, { group, value: st.value });
  const out: [string, ServiceReport][] = [];
  const placed = new Set<string>();
  for (const [name, s] of Object.entries(report.services)) {
    const step = stepOf.get(name);
    if (!step) out.push([name, s]);
    else if (!placed.has(step.group)) {
      placed.add(step.group);
      const steps = report.sweeps[step.group]!.steps.filter((st) => report.services[st.service]).sort((a, b) => a.value - b.value);
      for (const st of steps) out.push([st.service, report.services[st.service]!]);
    }
  }
  return out;
}

/** A reference line on a chart: a latency threshold or SLO, in ms. */
export interface SloLine {
  ms: number;
  label: string;
}

/**
 * The latency bounds a service is held to, for its latency-over-time chart: its latency
 * thresholds (`p99_latency_ms: "<500"`) and the recipe's e2el SLO. `ttft` gives the TTFT ones.
 */
export function sloLines(report: Report, name: string, dist: 'latency' | 'ttft' = 'latency'): SloLine[] {
  const s = report.services[name];
  const out: SloLine[] = [];
  const pattern = new RegExp(`^(?:(p\\d+(?:_9)?|mean|max)_)?${dist}(?:_(p\\d+(?:_9)?|mean|max))?_ms$`);
  for (const r of report.thresholds?.results ?? []) {
    const m = pattern.exec(r.metric);
    if (r.service !== name || r.operation !== null || !m) continue;
    const c = parseCondition(r.condition, 'ms');
    if (typeof c === 'string' || (c.op !== '<' && c.op !== '<=')) continue;
    out.push({ ms: c.value, label: `threshold ${(m[1] ?? m[2] ?? '').replace('_9', '.9')} ${c.op} ${c.value} ms` });
  }
  const slo = s?.goodput?.slo;
  const v = dist === 'latency' ? slo?.e2elMs : slo?.ttftMs;
  if (v !== undefined) out.push({ ms: v, label: `SLO ${dist === 'latency' ? 'e2el' : 'ttft'} ≤ ${v} ms` });
  return out;
}

/** The recipe's SLOs as text: "TTFT ≤ 250 ms, TPOT ≤ 40 ms". */
export function sloText(slo: NonNullable<ServiceReport['goodput']>['slo']): string {
  const parts: string[] = [];
  if (slo.ttftMs !== undefined) parts.push(`TTFT ≤ ${slo.ttftMs} ms`);
  if (slo.tpotMs !== undefined) parts.push(`TPOT ≤ ${slo.tpotMs} ms`);
  if (slo.itlMs !== undefined) parts.push(`ITL ≤ ${slo.itlMs} ms`);
  if (slo.e2elMs !== undefined) parts.push(`e2el ≤ ${slo.e2elMs} ms`);
  return parts.join(', ');
}
