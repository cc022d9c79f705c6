import type { BinnedHistogram, PointSet, ServiceReport, Timeseries } from '../types.js';
import type { SloLine } from '../display.js';
import type { ChartSpec } from './page.js';

const TIME = { label: 'time in measured window (s)' };
const r6 = (v: number) => Number(v.toPrecision(6));
const ms = (v: number | null) => (v === null ? null : r6(v * 1000));

/** Puts series with their own x values on one shared, sorted x axis (gaps as null). */
export function alignSeries(series: { name: string; points: [number, number][] }[], logX = false): Pick<ChartSpec, 'xs' | 'series'> {
  const usable = series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0)) }));
  const xs = [...new Set(usable.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return {
    xs,
    series: usable.map((s) => {
      const ys: (number | null)[] = xs.map(() => null);
      for (const [x, y] of s.points) ys[index.get(x)!] = y;
      return { label: s.name, ys };
    }),
  };
}

/** Latency percentiles, throughput and errors, and in-flight requests over time. */
export function timeCharts(ts: Timeseries | undefined, slo: SloLine[] = [], ttftSlo: SloLine[] = []): ChartSpec[] {
  // Reports written before time series existed have none.
  if (!ts || ts.t.length === 0) return [];
  const errorsPerSecond = ts.errors.map((e, i) => (ts.completions[i] ? r6((ts.throughput_rps[i]! * e) / ts.completions[i]!) : 0));
  const out: ChartSpec[] = [
    {
      title: 'Latency percentiles over time', kind: 'line', x: TIME, y: { label: 'latency (ms)' }, xs: ts.t,
      series: [
        { label: 'p50', ys: ts.p50.map(ms) },
        { label: 'p90', ys: ts.p90.map(ms) },
        { label: 'p99', ys: ts.p99.map(ms) },
      ],
      ...(slo.length ? { lines: slo.map((l) => ({ y: l.ms, label: l.label })) } : {}),
    },
    {
      title: 'Throughput and errors over time', kind: 'line', x: TIME, y: { label: 'per second', zero: true }, xs: ts.t,
      series: [
        { label: 'completed/s', ys: ts.throughput_rps },
        { label: 'errors/s', ys: errorsPerSecond },
        { label: 'offered/s', ys: ts.starts.map((n) => r6(n / ts.bucket_seconds)) },
      ],
    },
    {
      title: 'Requests in flight', kind: 'line', x: TIME, y: { label: 'mean in flight', zero: true }, xs: ts.t,
      series: [{ label: 'in flight', ys: ts.in_flight }],
    },
  ];
  if (ts.output_tokens_per_second) {
    out.push({
      title: 'Output tokens per second', kind: 'line', x: TIME, y: { label: 'tokens/s', zero: true }, xs: ts.t,
      series: [{ label: 'output tokens/s', ys: ts.output_tokens_per_second }],
    });
    out.push({
      title: 'Time to first token over time', kind: 'line', x: TIME, y: { label: 'TTFT (ms)' }, xs: ts.t,
      series: [
        { label: 'p50', ys: (ts.ttft_p50 ?? []).map(ms) },
        { label: 'p99', ys: (ts.ttft_p99 ?? []).map(ms) },
      ],
      ...(ttftSlo.length ? { lines: ttftSlo.map((l) => ({ y: l.ms, label: l.label })) } : {}),
    });
  }
  return out;
}

const cdfPoints = (h: BinnedHistogram): [number, number][] => {
  const total = h.counts.reduce((a, b) => a + b, 0);
  let seen = 0;
  return h.le.map((le, i) => {
    seen += h.counts[i]!;
    return [r6(le * 1000), r6((100 * seen) / total)];
  });
};

/** A histogram (bars at each bin's geometric centre) and its CDF, both on a log axis. */
export function histogramCharts(h: BinnedHistogram | undefined, what: string): ChartSpec[] {
  if (!h || h.counts.length === 0) return [];
  const ratio = 10 ** (1 / h.bins_per_decade);
  return [
    {
      title: `${what} histogram`, kind: 'bars', x: { label: `${what} (ms, log scale)`, log: true },
      y: { label: 'requests', zero: true }, xs: h.le.map((le) => r6((le * 1000) / Math.sqrt(ratio))),
      series: [{ label: 'requests', ys: h.counts }],
    },
    {
      title: `${what} CDF`, kind: 'line', x: { label: `${what} (ms, log scale)`, log: true },
      y: { label: '% of requests at or below' }, ...alignSeries([{ name: 'cumulative %', points: cdfPoints(h) }], true),
    },
  ];
}

/** TTFT, TPOT and ITL distributions as CDFs on one chart, and TTFT's histogram. */
export function llmCharts(s: ServiceReport): ChartSpec[] {
  const h = s.llm?.histograms;
  if (!h) return [];
  const named = (['ttft', 'tpot', 'itl'] as const).filter((k) => h[k].counts.length > 0);
  if (named.length === 0) return [];
  return [
    {
      title: 'TTFT, TPOT and ITL distributions (CDF)', kind: 'line', x: { label: 'ms (log scale)', log: true },
      y: { label: '% at or below' }, ...alignSeries(named.map((k) => ({ name: k.toUpperCase(), points: cdfPoints(h[k]) })), true),
    },
    ...histogramCharts(h.ttft, 'TTFT').slice(0, 1),
  ];
}

/** A backend's curves (recall–QPS, sweeps), drawn as points joined by lines. */
export function pointCharts(sets: PointSet[] | undefined): ChartSpec[] {
  return (sets ?? []).flatMap((p): ChartSpec[] => {
    const aligned = alignSeries(p.series, p.x.log);
    if (aligned.xs.length === 0) return [];
    const spec: ChartSpec = { title: p.title, kind: 'points', x: p.x, y: p.y, ...aligned };
    if (p.knee) spec.knee = p.knee;
    return [spec];
  });
}

/** Every chart of one service, in reading order; `slo` lines go on its latency (and TTFT) charts. */
export function serviceCharts(s: ServiceReport, slo: SloLine[] = [], ttftSlo: SloLine[] = []): ChartSpec[] {
  return [
    ...timeCharts(s.timeseries, slo, ttftSlo),
    ...histogramCharts(s.histogram, 'Latency'),
    ...llmCharts(s),
    ...pointCharts(s.points),
  ];
}
