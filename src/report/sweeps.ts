import type Database from 'better-sqlite3';
import { sweepPointSets } from './points.js';
import type { ServiceReport, SweepReport } from './types.js';

interface StoredGroup {
  best_rate: number | null;
  target: number;
  steps: { value: number; service: string; passed: boolean }[];
}

/** Sweeps and searches of a run, read from `step_groups`, with their steps' figures and curves. */
export function buildSweeps(db: Database.Database, benchmarkId: string, services: Record<string, ServiceReport>): Record<string, SweepReport> {
  const groups = db.prepare('SELECT service_name, kind, variable, result FROM step_groups WHERE benchmark_id = ?').all(benchmarkId) as {
    service_name: string;
    kind: 'sweep' | 'search';
    variable: 'rate' | 'clients';
    result: string;
  }[];
  const out: Record<string, SweepReport> = {};
  for (const g of groups) {
    const stored = JSON.parse(g.result) as StoredGroup;
    const steps = [...stored.steps]
      .sort((a, b) => a.value - b.value)
      .map((st) => {
        const s = services[st.service];
        return {
          value: st.value,
          service: st.service,
          passed: g.kind === 'search' ? st.passed : null,
          achieved_rate: s?.load.achieved_rate ?? null,
          throughput: s?.throughput.requests_per_second ?? 0,
          successful_rps: s?.throughput.successful_per_second ?? 0,
          goodput_rps: s?.goodput?.requests_per_second ?? null,
          p50: s?.percentiles.p50 ?? null,
          p99: s?.percentiles.p99 ?? null,
          error_rate: s && s.requests.total ? s.requests.failed / s.requests.total : null,
        };
      });
    const points =
      g.variable === 'rate'
        ? sweepPointSets(steps.map((s) => ({ offered_rps: s.value, achieved_rps: s.achieved_rate ?? s.throughput, throughput_rps: s.successful_rps, goodput_rps: s.goodput_rps, p50: s.p50, p99: s.p99 })))
        : [
            { id: 'sweep-qps', title: 'Throughput against clients', x: { label: 'clients' }, y: { label: 'req/s' }, series: [{ name: 'throughput', points: steps.map((s) => [s.value, s.throughput] as [number, number]) }] },
            { id: 'sweep-p99', title: 'p99 latency against clients', x: { label: 'clients' }, y: { label: 'latency (ms)' }, series: [{ name: 'p99', points: steps.filter((s) => s.p99 !== null).map((s) => [s.value, s.p99! * 1000] as [number, number]) }] },
          ];
    out[g.service_name] = { kind: g.kind, variable: g.variable, best_rate: stored.best_rate, target: g.kind === 'search' ? stored.target : null, steps, points };
  }
  return out;
}
