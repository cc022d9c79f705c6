import type { ClientLoadRow } from '../metrics/client-load.js';
import type { ClientReport, ServiceReport } from './types.js';

/**
 * When aifb itself set the pace: its event loop had work nearly all the time (utilisation
 * without the turns that only polled for a sleep's last millisecond). Delay and lag are
 * shown beside it, not judged alone: on a machine others load, a timer runs late
 * although the client has room.
 */
export const BUSY_LIMIT = 0.9;
/** Below this share of a core while busy, the thread was waiting for a CPU, not computing. */
const CPU_SHARE_LIMIT = 0.6;
/** The utilisation a suggested number of generators aims at. */
const AIM = 0.7;

const round = (v: number | null, d = 4) => (v === null || !Number.isFinite(v) ? null : Number(v.toFixed(d)));
const pct = (v: number) => `${Math.round(v * 100)} %`;
const ms = (v: number) => (v >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);

/**
 * The client's figures for one service from its `client_load` rows, with a plain-words
 * verdict when the client, not the service, was the bottleneck. `cpus` is the host's core
 * count (provenance), for what to suggest.
 */
export function clientReport(rows: ClientLoadRow[], service: ServiceReport, cpus: number | null): ClientReport {
  const generators = rows.map((r) => {
    const wall = r.wall_seconds ?? 0;
    const cpu = r.cpu_seconds ?? 0;
    return {
      generator: r.generator,
      thread: r.thread ?? 'main',
      event_loop_utilization: round(r.event_loop_utilization),
      event_loop_busy: round(r.event_loop_busy),
      delay_p50_ms: round(r.delay_p50_ms, 3),
      delay_p99_ms: round(r.delay_p99_ms, 3),
      delay_max_ms: round(r.delay_max_ms, 3),
      cpu_seconds: round(cpu, 3),
      cpu_scope: r.cpu_scope ?? 'thread',
      cpu_share: wall > 0 ? round(cpu / wall, 3) : null,
      schedule_lag_p99_ms: round(r.schedule_lag_p99_ms, 3),
      requests: r.requests ?? 0,
      wall_seconds: round(wall, 3),
    };
  });
  const worst = generators.reduce<(typeof generators)[number] | undefined>((w, g) => ((g.event_loop_busy ?? 0) > (w?.event_loop_busy ?? -1) ? g : w), undefined);
  const busy = worst?.event_loop_busy ?? null;
  const delayP99 = generators.reduce<number | null>((m, g) => (g.delay_p99_ms === null ? m : Math.max(m ?? 0, g.delay_p99_ms)), null);
  const lagP99 = service.schedule_lag.p99 === null ? null : round(service.schedule_lag.p99 * 1000, 3);
  const n = generators.length;
  let verdict: string | null = null;
  let saturated = false;
  if (worst && busy !== null && busy >= BUSY_LIMIT) {
    saturated = true;
    const figures = `event loop ${pct(busy)} busy, delay p99 ${ms(worst.delay_p99_ms ?? 0)}${lagP99 !== null && lagP99 >= 1 ? `, schedule lag p99 ${ms(lagP99)}` : ''}`;
    const share = worst.cpu_share;
    if (worst.cpu_scope === 'thread' && share !== null && share < CPU_SHARE_LIMIT) {
      verdict = `aifb was short of CPU here: ${figures}, but its thread ran on a core only ${pct(share)} of the time — other processes took the cores; these figures include the client's wait`;
    } else {
      const want = Math.max(n + 1, Math.ceil((n * busy) / AIM));
      const advice = cpus !== null && n >= cpus ? `give aifb more cores (it had ${cpus}) or split the load across machines` : `use generators: ${cpus !== null ? Math.min(want, cpus) : want}`;
      verdict = `aifb was the bottleneck here: ${figures} — ${advice}`;
    }
  }
  return {
    threads: generators.some((g) => g.thread === 'service') ? 'service' : generators.some((g) => g.thread === 'process') ? 'process' : 'main',
    event_loop_busy: busy,
    event_loop_delay_p99_ms: delayP99,
    cpu_seconds: round(generators.reduce((a, g) => a + (g.cpu_seconds ?? 0), 0), 3),
    schedule_lag_p99_ms: lagP99,
    saturated,
    verdict,
    generators,
  };
}
