import type { DeclaredFigure, RecallSummary } from '../metrics/aggregates/extras.js';
import type { PointSet, RecallQpsPoint, ServiceReport } from './types.js';

/** One level of a load sweep. Latencies in seconds, rates per second. */
export interface SweepStep {
  offered_rps: number;
  /** Requests started per second (the schedule as kept): close to the offered rate until the client falls behind. */
  achieved_rps: number;
  /** Successful requests per second over the step's window: what the service really did. */
  throughput_rps: number;
  /** Successful requests per second that also met every SLO; null without SLOs (then not plotted). */
  goodput_rps: number | null;
  p50: number | null;
  p99: number | null;
}

/**
 * Index of the knee of a curve: after scaling both axes to [0, 1], the point farthest from
 * the chord between the first and last points (Kneedle's idea), or null for < 3 points.
 */
export function findKnee(points: readonly [number, number][]): number | null {
  if (points.length < 3) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (x1 === x0 || y1 === y0) return null;
  const n = points.map(([x, y]) => [(x - x0) / (x1 - x0), (y - y0) / (y1 - y0)] as const);
  const [ax, ay] = n[0]!;
  const [bx, by] = n[n.length - 1]!;
  const len = Math.hypot(bx - ax, by - ay);
  let best = -1;
  let bestD = 0;
  for (let i = 1; i < n.length - 1; i++) {
    const [px, py] = n[i]!;
    const d = Math.abs((by - ay) * px - (bx - ax) * py + bx * ay - by * ax) / len;
    if (d > bestD) [best, bestD] = [i, d];
  }
  return best < 0 ? null : best;
}

/**
 * The two plots of a load sweep: latency and goodput against offered load. Both mark the
 * one knee of the run (docs/metrics.md): the knee of p99 latency against offered load,
 * drawn at the same offered rate on the goodput plot.
 */
export function sweepPointSets(steps: readonly SweepStep[]): PointSet[] {
  const sorted = [...steps].sort((a, b) => a.offered_rps - b.offered_rps);
  const pts = (f: (s: SweepStep) => number | null) =>
    sorted.flatMap((s) => {
      const v = f(s);
      return v === null ? [] : [[s.offered_rps, v] as [number, number]];
    });
  const p99 = pts((s) => (s.p99 === null ? null : s.p99 * 1000));
  const goodput = pts((s) => s.goodput_rps);
  const k = findKnee(p99);
  const kneeX = k === null ? undefined : p99[k]![0];
  const latency: PointSet = {
    id: 'sweep-latency',
    title: 'Latency against offered load',
    x: { label: 'offered load (req/s)' },
    y: { label: 'latency (ms)' },
    series: [{ name: 'p50', points: pts((s) => (s.p50 === null ? null : s.p50 * 1000)) }, { name: 'p99', points: p99 }],
  };
  if (kneeX !== undefined) latency.knee = { x: kneeX, y: p99[k!]![1], label: 'knee' };
  const put: PointSet = {
    id: 'sweep-goodput',
    title: goodput.length ? 'Throughput and goodput against offered load' : 'Throughput against offered load',
    x: { label: 'offered load (req/s)' },
    y: { label: 'req/s' },
    series: [
      { name: 'started', points: pts((s) => s.achieved_rps) },
      { name: 'throughput (successful)', points: pts((s) => s.throughput_rps) },
      ...(goodput.length ? [{ name: 'goodput (met the SLOs)', points: goodput }] : []),
    ],
  };
  const onLine = goodput.length ? goodput : pts((s) => s.throughput_rps);
  const atKnee = kneeX === undefined ? undefined : onLine.find((p) => p[0] === kneeX);
  if (atKnee) put.knee = { x: atKnee[0], y: atKnee[1], label: 'knee' };
  return [latency, put];
}

/** Recall against QPS, one series per configuration (e.g. per index parameter set). */
export function recallQpsPointSet(series: { name: string; points: { recall: number; qps: number }[] }[]): PointSet {
  return {
    id: 'recall-qps',
    title: 'Recall against throughput',
    x: { label: 'recall' },
    y: { label: 'queries per second', log: true },
    series: series.map((s) => ({ name: s.name, points: s.points.map((p) => [p.recall, p.qps] as [number, number]) })),
  };
}

/** Orders points by their knobs (plain `search` first), so a curve reads from the cheapest setting up. */
function byKnobs(a: RecallQpsPoint, b: RecallQpsPoint): number {
  const keys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  if (Object.keys(a.params).length !== Object.keys(b.params).length) return Object.keys(a.params).length - Object.keys(b.params).length;
  for (const k of keys) if ((a.params[k] ?? 0) !== (b.params[k] ?? 0)) return (a.params[k] ?? 0) - (b.params[k] ?? 0);
  return a.operation < b.operation ? -1 : 1;
}

/**
 * The recall–QPS points of one service: one per operation that ran with declared knobs
 * (`operationParams`, stored with the run) and has a value of `rate` (a per-operation rate figure).
 */
export function recallQpsPoints(s: ServiceReport, rate: Record<string, unknown>, params: Record<string, Record<string, number>>): RecallQpsPoint[] {
  const ops = Object.entries(s.operations);
  const alone = ops.length === 1;
  const clients = s.load.mode === 'closed' ? s.load.clients : null;
  const cycleGap = clients && s.throughput.requests_per_second > 0 && s.latency.all.mean !== null ? Math.max(0, clients / s.throughput.requests_per_second - s.latency.all.mean) : null;
  const points: RecallQpsPoint[] = [];
  for (const [operation, slice] of ops) {
    const knobs = params[operation];
    const r = rate[operation] as RecallSummary | undefined;
    if (!knobs || !r) continue;
    const measured = slice.throughput.successful_per_second;
    const okShare = slice.requests.total ? slice.requests.successful / slice.requests.total : 0;
    const mean = slice.latency.all.mean;
    let qps = measured;
    let basis: RecallQpsPoint['qps_basis'] = alone ? 'measured' : 'share of the mix';
    if (!alone && clients && cycleGap !== null && mean !== null && mean + cycleGap > 0) {
      qps = Number(((clients * okShare) / (mean + cycleGap)).toFixed(3));
      basis = 'closed-loop estimate';
    }
    points.push({
      operation,
      params: knobs,
      recall: r.mean,
      recall_min: r.min,
      searches: r.searches,
      qps,
      qps_basis: basis,
      throughput: measured,
      mean_latency: mean,
      p99: slice.percentiles.p99,
    });
  }
  return points.sort(byKnobs);
}

/**
 * The quality–QPS curve of a service whose operations ran with declared knobs (a vector
 * service's `search_params`): its points in `recall_qps` from the first per-operation rate
 * figure, and (with two points or more) their plot in `points`.
 */
export function attachCurve(report: ServiceReport, figures: readonly DeclaredFigure[], params: Record<string, Record<string, number>>): void {
  const rate = figures.find((f) => f.declaration.kind === 'rate' && f.byOperation);
  if (!rate || Object.keys(params).length === 0) return;
  const curve = recallQpsPoints(report, rate.byOperation!, params);
  if (curve.length === 0) return;
  report.recall_qps = curve;
  if (curve.length > 1) {
    const knobs = [...new Set(curve.flatMap((p) => Object.keys(p.params)))].join(', ');
    report.points = [...(report.points ?? []), recallQpsPointSet([{ name: knobs ? `${knobs} sweep` : 'search', points: curve }])];
  }
}

/**
 * Every vector service's recall–QPS points on one plot, one series per service: how one
 * compares backends, and how a sweep run as one service per parameter (each point
 * measured on its own) becomes a curve. Undefined with fewer than two such services.
 */
export function recallQpsAcrossServices(services: Record<string, ServiceReport>): PointSet | undefined {
  const series = Object.entries(services).flatMap(([name, s]) => (s.recall_qps?.length ? [{ name, points: s.recall_qps }] : []));
  if (series.length < 2) return undefined;
  return { ...recallQpsPointSet(series), id: 'recall-qps-services', title: 'Recall against throughput, every vector service' };
}
