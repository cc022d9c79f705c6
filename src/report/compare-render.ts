import type { Comparison, MetricComparison } from './compare.js';
import { fmtBytes, fmtChange, fmtDuration, fmtPercent, fmtRate } from './format.js';
import { alignSeries } from './html/charts.js';
import { escapeHtml as e } from './html/escape.js';
import { chartSlot, htmlDocument, type ChartSpec } from './html/page.js';
import { table } from './terminal.js';
import type { Report } from './types.js';

const LABEL: Record<string, string> = { p50: 'p50', p99: 'p99', throughput: 'req/s', error_rate: 'error rate' };
const label = (m: MetricComparison): string => LABEL[m.metric] ?? m.metric;

/** A declared figure in its unit: a trend of ms as a duration (the report keeps seconds), a rate as a fraction. */
function declaredValue(d: NonNullable<MetricComparison['declared']>, v: number | null): string {
  if (v === null) return '-';
  if (d.kind === 'rate') return v.toFixed(4);
  if (d.kind === 'counter') return d.unit === 'bytes' ? fmtBytes(v) : String(Number(v.toPrecision(6)));
  if (d.unit === 'ms') return fmtDuration(v);
  // Every trend is summarised in thousandths of its unit (distribution.ts).
  const x = v * 1000;
  return d.unit === 'bytes' ? fmtBytes(x) : String(Number(x.toPrecision(4)));
}

function value(m: MetricComparison, v: number | null): string {
  if (m.declared) return declaredValue(m.declared, v);
  if (m.metric === 'p50' || m.metric === 'p99') return fmtDuration(v);
  if (m.metric === 'throughput') return fmtRate(v);
  return fmtPercent(v);
}

/** Relative, except the error rate's and a declared rate's: a difference of fractions, in points. */
function change(m: MetricComparison): string {
  if (m.metric !== 'error_rate' && m.declared?.kind !== 'rate') return fmtChange(m.change);
  if (m.change === null) return '-';
  return `${m.change >= 0 ? '+' : '−'}${Math.abs(m.change * 100).toFixed(2)} pts`;
}

const pValue = (p: number | null) => (p === null ? '-' : p < 0.001 ? '<0.001' : p.toPrecision(2));
const verdictText = (m: MetricComparison) =>
  m.verdict === 'worse' ? 'WORSE' : m.verdict === 'better' ? 'better' : m.verdict === 'changed' ? 'changed' : m.verdict === 'same' ? 'within noise' : `not tested${m.note ? ` (${m.note})` : ''}`;

function cells(c: Comparison): { run: string; slice: string; m: MetricComparison }[] {
  return c.results.flatMap((r) => r.metrics.map((m) => ({ run: r.run, slice: r.operation ? `  ${r.operation}` : r.service, m })));
}

/** What the comparison method and its settings are, in one sentence. */
export function methodLine(c: Comparison): string {
  const o = c.options;
  return `Mann–Whitney U on per-bucket values, ${(100 * (1 - o.alpha)).toFixed(0)}% confidence; flagged only if the change is ≥ ${(o.minChange * 100).toFixed(0)}% (p99: ≥ ${(o.minTailChange * 100).toFixed(0)}%, error rate and declared rates: ≥ ${(o.minErrorChange * 100).toFixed(1)} pts)`;
}

/** The comparison as terminal tables, one per compared run. */
export function renderComparison(c: Comparison): string {
  const out = [`Baseline: ${c.baseline}`, methodLine(c)];
  for (const run of c.runs) {
    const rows = cells(c)
      .filter((x) => x.run === run)
      .map(({ slice, m }) => [slice, label(m), value(m, m.baseline), value(m, m.value), change(m), pValue(m.p_value), verdictText(m)]);
    out.push('', `${run} against ${c.baseline}:`, table(['service / operation', 'metric', 'baseline', 'this run', 'change', 'p', 'verdict'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']));
  }
  const worse = c.results.flatMap((r) => r.metrics.filter((m) => m.verdict === 'worse')).length;
  out.push('', worse ? `${worse} change(s) beyond run-to-run noise for the worse.` : 'No change for the worse beyond run-to-run noise.');
  const changed = c.results.flatMap((r) => r.metrics.filter((m) => m.verdict === 'changed')).length;
  if (changed) out.push(`${changed} change(s) beyond noise in declared figures with no better side (changed).`);
  for (const w of c.warnings) out.push(`note: ${w}`);
  return out.join('\n');
}

/** Overlaid time series of every run, per service: p99 latency and throughput. */
function overlayCharts(runs: { label: string; report: Report }[], service: string): ChartSpec[] {
  const series = (f: (t: Report['services'][string]['timeseries']) => (number | null)[]) =>
    runs.flatMap((r) => {
      const ts = r.report.services[service]?.timeseries;
      if (!ts) return [];
      const ys = f(ts);
      return [{ name: r.label, points: ts.t.flatMap((t, i) => (ys[i] === null || ys[i] === undefined ? [] : [[t, ys[i]!] as [number, number]])) }];
    });
  const x = { label: 'time in measured window (s)' };
  return [
    { title: `${service}: p99 latency over time`, kind: 'line', x, y: { label: 'ms' }, ...alignSeries(series((ts) => ts.p99.map((v) => (v === null ? null : v * 1000)))) },
    { title: `${service}: throughput over time`, kind: 'line', x, y: { label: 'req/s', zero: true }, ...alignSeries(series((ts) => ts.throughput_rps)) },
  ];
}

/** The comparison as one self-contained HTML page, with overlaid time series. */
export function comparisonHtml(c: Comparison, runs: { label: string; report: Report }[]): string {
  const rowsFor = (run: string) =>
    cells(c)
      .filter((x) => x.run === run)
      .map(({ slice, m }) => {
        const cls = m.verdict === 'worse' ? 'fail' : m.verdict === 'better' ? 'pass' : 'text';
        return `<tr><td>${e(slice)}</td><td class="text">${e(label(m))}</td><td>${e(value(m, m.baseline))}</td><td>${e(value(m, m.value))}</td><td>${e(change(m))}</td><td>${e(pValue(m.p_value))}</td><td class="${cls}">${e(verdictText(m))}</td></tr>`;
      })
      .join('');
  const charts: ChartSpec[] = [];
  const services = Object.keys(runs[0]?.report.services ?? {});
  const slots = services.flatMap((s) => overlayCharts(runs, s)).filter((s) => s.xs.length > 0).map((spec) => chartSlot(charts.push(spec) - 1, spec));
  const body = [
    `<h1>Comparison against ${e(c.baseline)}</h1>`,
    `<p class="meta">${e(methodLine(c))}</p>`,
    ...c.runs.map((run) => `<h2>${e(run)}</h2><table><tr><th>service / operation</th><th class="text">metric</th><th>baseline</th><th>this run</th><th>change</th><th>p</th><th class="text">verdict</th></tr>${rowsFor(run)}</table>`),
    ...c.warnings.map((w) => `<p class="note">${e(w)}</p>`),
    `<h2>Over time</h2><div class="grid">${slots.join('')}</div>`,
    `<p class="note">${e(c.method)}</p>`,
  ].join('\n');
  return htmlDocument({ title: `aifb compare: ${c.baseline}`, body, charts });
}
