import type { ServerMetricsRows } from '../metrics/server-metrics.js';
import type { ServiceReport } from './types.js';
import type { ServerSideReport } from './server-side-types.js';

export type { ServerSideReport };

const round = (v: number | null, d = 6) => (v === null || !Number.isFinite(v) ? null : Number(v.toFixed(d)));

/** Increase of a counter over its points, Prometheus-style: a drop is a reset, counted from zero. */
function increase(values: number[]): number {
  let sum = 0;
  for (let i = 1; i < values.length; i++) sum += values[i]! >= values[i - 1]! ? values[i]! - values[i - 1]! : values[i]!;
  return sum;
}

/** The server-side block of one service from its stored scrapes (metrics/server-metrics.ts). */
export function serverSideReport(rows: ServerMetricsRows, service: ServiceReport, windowStart: number | null): ServerSideReport {
  // Counters from the last baseline (the scrape as warm-up ended, or as the load began)
  // to the last scrape, taken after the load drained; gauges over the measured window.
  const baseAt = rows.points.reduce((m, p) => (p.before_window ? Math.max(m, p.t) : m), -Infinity);
  const counted = rows.points.filter((p) => p.t >= baseAt);
  const byName = new Map<string, { kind: string; t: number[]; v: number[] }>();
  for (const p of counted) {
    if (p.kind === 'gauge' && p.before_window && counted.some((q) => !q.before_window)) continue;
    const e = byName.get(p.name) ?? byName.set(p.name, { kind: p.kind, t: [], v: [] }).get(p.name)!;
    e.t.push(p.t);
    e.v.push(p.value);
  }
  const times = [...new Set(counted.map((p) => p.t))].sort((a, b) => a - b);
  const span = times.length > 1 ? times[times.length - 1]! - times[0]! : 0;
  const counters: ServerSideReport['counters'] = {};
  const gauges: ServerSideReport['gauges'] = {};
  for (const [name, e] of byName) {
    if (e.kind === 'counter') {
      const inc = increase(e.v);
      counters[name] = { increase: round(inc)!, per_second: span > 0 ? round(inc / span) : null };
    } else {
      gauges[name] = { mean: round(e.v.reduce((a, b) => a + b, 0) / e.v.length)!, max: Math.max(...e.v), last: e.v[e.v.length - 1]! };
    }
  }
  // The chart shows every scrape, warm-up included (before 0 s).
  const allTimes = [...new Set(rows.points.map((p) => p.t))].sort((a, b) => a - b);
  const series: ServerSideReport['timeseries']['series'] = {};
  for (const name of Object.keys(gauges)) {
    const at = new Map(rows.points.filter((p) => p.name === name).map((p) => [p.t, p.value]));
    series[name] = allTimes.map((t) => at.get(t) ?? null);
  }
  const inc = (n: string) => counters[n]?.increase ?? null;
  const per = (sum: number | null, count: number | null) => (sum === null || !count ? null : round(sum / count));
  const llm = service.llm;
  const requestsClient = llm?.requests ?? service.requests.successful;
  const requestsServer = inc('requests_total');
  // Per request: over the server's own count where it keeps one, else over the client's.
  const requests = requestsServer ?? requestsClient;
  const inferences = inc('inferences_total');
  const executions = inc('executions_total');
  return {
    source: rows.url,
    interval_seconds: rows.interval_ms === null ? null : rows.interval_ms / 1000,
    scrapes: rows.scrapes,
    failures: rows.failures,
    error: rows.last_error,
    counters,
    gauges,
    beside_client: {
      requests_server: requestsServer,
      requests_client: requestsClient,
      queue_mean: per(inc('queue_seconds_total'), inc('queue_count_total') ?? requests),
      prefill_mean: per(inc('prefill_seconds_total'), requests),
      compute_mean: per(inc('compute_seconds_total'), requests),
      ttft_mean_server: per(inc('ttft_seconds_total'), inc('ttft_count_total')),
      ttft_mean_client: llm?.ttft.mean ?? null,
      batch_size_mean: inferences !== null && executions ? round(inferences / executions, 3) : (gauges.batch_size?.mean ?? null),
      // llama.cpp counts prompt tokens served from its prefix cache apart; vLLM counts them in.
      prompt_tokens_server: inc('prompt_tokens_total') === null ? null : inc('prompt_tokens_total')! + (inc('prompt_tokens_cached_total') ?? 0),
      input_tokens_client: llm ? llm.input_tokens : null,
      generation_tokens_server: inc('generation_tokens_total'),
      output_tokens_client: llm ? llm.output_tokens : null,
    },
    timeseries: { t: allTimes.map((t) => round(t - (windowStart ?? allTimes[0] ?? 0), 3)!), series },
  };
}
