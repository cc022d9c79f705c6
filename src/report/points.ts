/**
 * Curves that are not time series: recall against QPS, latency and goodput against
 * offered load. A backend or a sweep only has to put PointSets in the report's
 * `services.<name>.points`; the HTML report draws whatever it finds there.
 */
export interface PointSet {
  id: string;
  title: string;
  x: { label: string; log?: boolean };
  y: { label: string; log?: boolean };
  series: { name: string; points: [number, number][] }[];
  /** A marked point, e.g. where latency starts to climb. */
  knee?: { x: number; y: number; label: string };
}

/** One level of a load sweep. Latencies in seconds, rates per second. */
export interface SweepStep {
  offered_rps: number;
  achieved_rps: number;
  /** Successful requests per second that also met the latency objective, if any. */
  goodput_rps: number;
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

/** The two plots of a load sweep: latency and goodput against offered load, knees marked. */
export function sweepPointSets(steps: readonly SweepStep[]): PointSet[] {
  const sorted = [...steps].sort((a, b) => a.offered_rps - b.offered_rps);
  const pts = (f: (s: SweepStep) => number | null) =>
    sorted.flatMap((s) => {
      const v = f(s);
      return v === null ? [] : [[s.offered_rps, v] as [number, number]];
    });
  const p99 = pts((s) => (s.p99 === null ? null : s.p99 * 1000));
  const goodput = pts((s) => s.goodput_rps);
  const mark = (p: [number, number][], label: string) => {
    const k = findKnee(p);
    return k === null ? undefined : { x: p[k]![0], y: p[k]![1], label };
  };
  const latency: PointSet = {
    id: 'sweep-latency',
    title: 'Latency against offered load',
    x: { label: 'offered load (req/s)' },
    y: { label: 'latency (ms)' },
    series: [{ name: 'p50', points: pts((s) => (s.p50 === null ? null : s.p50 * 1000)) }, { name: 'p99', points: p99 }],
  };
  const k1 = mark(p99, 'knee');
  if (k1) latency.knee = k1;
  const put: PointSet = {
    id: 'sweep-goodput',
    title: 'Goodput against offered load',
    x: { label: 'offered load (req/s)' },
    y: { label: 'req/s' },
    series: [
      { name: 'achieved', points: pts((s) => s.achieved_rps) },
      { name: 'goodput', points: goodput },
    ],
  };
  const k2 = mark(goodput, 'knee');
  if (k2) put.knee = k2;
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
