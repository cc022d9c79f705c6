import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endsText, fmtBytes, fmtDuration, fmtMetric, fmtRate, tallyLine } from '../format.js';
import { talliesOf, valueAt } from '../declared.js';
import type { SessionsReport } from '../../metrics/aggregates/tallies.js';
import { recallQpsAcrossServices } from '../points.js';
import { servicesInOrder, sloLines, sloText } from '../display.js';
import { verdictOf } from '../verdict.js';
import type { RecallQpsPoint, Report, ServiceReport, SliceReport, ThresholdReport } from '../types.js';
import { pointCharts, serviceCharts } from './charts.js';
import { escapeHtml as e } from './escape.js';
import { chartSlot, htmlDocument, type ChartSpec } from './page.js';
import { serverSideSection } from './server-side.js';

const row = (cells: string[], cls: string[] = []) => `<tr>${cells.map((c, i) => `<td${cls[i] ? ` class="${cls[i]}"` : ''}>${c}</td>`).join('')}</tr>`;
const head = (cells: string[]) => `<tr>${cells.map((c) => `<th>${e(c)}</th>`).join('')}</tr>`;

const SLICE_HEAD = ['requests', 'errors', 'req/s', 'p50', 'p90', 'p99', 'p99.9', 'max'];
function sliceCells(x: SliceReport): string[] {
  const rate = x.requests.total ? (100 * x.requests.failed) / x.requests.total : 0;
  return [
    String(x.requests.total),
    x.requests.failed ? `${x.requests.failed} (${rate.toFixed(1)}%)` : '0',
    fmtRate(x.throughput.requests_per_second),
    ...[x.percentiles.p50, x.percentiles.p90, x.percentiles.p99, x.percentiles.p99_9, x.timing.max_duration].map(fmtDuration),
  ].map(e);
}

function summaryTable(r: Report, index: Map<string, number>): string {
  const rows = servicesInOrder(r).map(([name, s]) =>
    row([`<a href="#svc-${index.get(name)}">${e(name)}</a>`, e([s.service_type, s.backend].filter(Boolean).join(' / ')), e(s.status), ...sliceCells(s)], ['text', 'text', `text status-${e(s.status)}`]),
  );
  return `<table>${head(['service', 'type', 'status', ...SLICE_HEAD])}${rows.join('')}</table>`;
}

function thresholdTable(t: ThresholdReport): string {
  if (t.defined === 0) return '';
  const rows = t.results.map((r) =>
    row(
      [r.pass ? 'pass' : 'FAIL', e(r.operation ? `${r.service} / ${r.operation}` : r.service), e(r.metric), e(r.condition), e(r.note && r.actual === null ? r.note : fmtMetric(r.actual, r.unit))],
      [r.pass ? 'pass' : 'fail', 'text', 'text', 'text'],
    ),
  );
  const verdict = t.failed ? `${t.failed} of ${t.defined} failed` : `all ${t.defined} passed`;
  return `<h2 id="thresholds">Thresholds: ${e(verdict)}</h2><table>${head(['', 'service', 'metric', 'condition', 'actual'])}${rows.join('')}</table>`;
}

function loadText(s: ServiceReport): string {
  const l = s.load;
  const parts = [
    l.mode === 'open' ? `open loop, ${l.arrival ?? ''} arrivals, ${l.requested_rate ?? '-'} req/s requested, ${fmtRate(l.achieved_rate)} achieved` : l.mode === 'closed' ? `closed loop, ${l.clients ?? '-'} clients` : 'load unknown',
    `measured window ${fmtDuration(l.window_seconds)}`,
  ];
  if (l.stages.length) parts.push(`stages to ${l.stages.map((st) => st.target).join(' → ')}`);
  if (l.dropped_starts) parts.push(`${l.dropped_starts} starts dropped`);
  if (l.warmup_requests) parts.push(`${l.warmup_requests} warm-up requests excluded`);
  if (s.bytes.in || s.bytes.out) parts.push(`${fmtBytes(s.throughput.bytes_in_per_second)}/s in, ${fmtBytes(s.throughput.bytes_out_per_second)}/s out`);
  if (s.llm) parts.push(`${fmtRate(s.llm.output_tokens_per_second)} output tokens/s`);
  for (const t of talliesOf(s)) {
    const line = tallyLine(t, (path) => valueAt(s, path));
    if (line) parts.push(`${t.label}: ${line}`);
  }
  return parts.join(' · ');
}

function recallTable(points: RecallQpsPoint[]): string {
  const rows = points.map((p) =>
    row([e(p.operation), p.recall.toFixed(4), p.recall_min.toFixed(3), String(p.searches), fmtRate(p.qps), e(p.qps_basis), fmtDuration(p.p99)], ['text', '', '', '', '', 'text']),
  );
  return `<table class="recall-qps">${head(['search', 'recall', 'min recall', 'judged', 'QPS', 'QPS basis', 'p99'])}${rows.join('')}</table>`;
}

function serviceSection(report: Report, name: string, s: ServiceReport, index: number, charts: ChartSpec[]): string {
  const out = [`<section id="svc-${index}"><h2>${e(name)}</h2>`, `<p class="note">${e(loadText(s))}</p>`];
  if (s.error) out.push(`<p class="fail">Failed: ${e(s.error)}</p>`);
  if (s.goodput) {
    const g = s.goodput;
    const share = g.fraction === null ? '' : ` (${(g.fraction * 100).toFixed(1)}% of ${s.requests.total} requests)`;
    out.push(`<p class="goodput">Goodput: <b>${e(fmtRate(g.requests_per_second))} req/s</b> met every SLO${e(share)} · SLOs: ${e(sloText(g.slo) || 'none')}</p>`);
  }
  const ops = Object.entries(s.operations);
  if (ops.length > 1) {
    out.push(`<table>${head(['operation', ...SLICE_HEAD])}${ops.map(([op, x]) => row([e(op), ...sliceCells(x)])).join('')}</table>`);
  }
  const errs = Object.entries(s.errors);
  if (errs.length) {
    out.push(`<table>${head(['error class', 'count', 'first message'])}${errs.map(([c, n]) => row([e(c), String(n), e(s.error_examples[c] ?? '')], ['text', '', 'text'])).join('')}</table>`);
  }
  if (s.recall_qps) out.push(recallTable(s.recall_qps));
  if (s.llm) {
    const d = (k: 'ttft' | 'tpot' | 'itl') => [k.toUpperCase(), ...[s.llm![k].p50, s.llm![k].p90, s.llm![k].p99].map(fmtDuration)].map(e);
    out.push(`<table>${head(['token timing', 'p50', 'p90', 'p99'])}${row(d('ttft'))}${row(d('tpot'))}${row(d('itl'))}</table>`);
  }
  for (const t of talliesOf(s)) {
    const sessions = valueAt(s, t.reportAs) as SessionsReport | undefined;
    if (t.kind !== 'sessions' || !sessions) continue;
    out.push(`<p class="note">${e(`${t.title}: ${sessions.sessions}; ended in the window: ${endsText(t, sessions.ended)}`)}</p>`);
    const turnRow = (x: SessionsReport['turns'][number]) =>
      row([String(x.turn), String(x.requests), String(x.failed), fmtDuration(x.ttft.p50), fmtDuration(x.ttft.p99), x.input_tokens.mean === null ? '-' : String(Math.round(x.input_tokens.mean))].map(e));
    out.push(`<table>${head(['turn', 'requests', 'failed', 'TTFT p50', 'TTFT p99', 'input tokens (mean)'])}${sessions.turns.map(turnRow).join('')}</table>`);
  }
  const mine = serviceCharts(s, sloLines(report, name), sloLines(report, name, 'ttft')).map((spec) => chartSlot(charts.push(spec) - 1, spec));
  out.push(mine.length ? `<div class="grid">${mine.join('')}</div>` : '<p class="note">No measured requests to plot.</p>');
  out.push('</section>');
  return out.join('\n');
}

function sweepSection(name: string, sw: Report['sweeps'][string], charts: ChartSpec[]): string {
  const out = [`<section class="sweep"><h2>${e(sw.kind === 'search' ? 'Search' : 'Sweep')}: ${e(name)}</h2>`];
  if (sw.kind === 'search') {
    out.push(`<p class="search-result">Highest rate with ≥ ${e(((sw.target ?? 0) * 100).toFixed(0))}% of requests meeting every SLO: <b>${e(sw.best_rate === null ? 'none of the rates tried' : `${sw.best_rate} req/s`)}</b></p>`);
  }
  const cells = (x: number | null, f: (v: number) => string) => (x === null ? '-' : f(x));
  out.push(
    `<table>${head([sw.variable, 'started req/s', 'throughput', 'goodput', 'p50', 'p99', 'errors', ...(sw.kind === 'search' ? ['passed'] : [])])}${sw.steps
      .map((st) => row([e(st.value), cells(st.achieved_rate, (v) => v.toFixed(1)), st.throughput.toFixed(1), cells(st.goodput_rps, (v) => v.toFixed(1)), fmtDuration(st.p50), fmtDuration(st.p99), cells(st.error_rate, (v) => `${(v * 100).toFixed(1)}%`), ...(sw.kind === 'search' ? [st.passed ? 'yes' : 'no'] : [])].map(String)))
      .join('')}</table>`,
  );
  const mine = pointCharts(sw.points).map((spec) => chartSlot(charts.push(spec) - 1, spec));
  if (mine.length) out.push(`<div class="grid">${mine.join('')}</div>`);
  out.push('</section>');
  return out.join('\n');
}

/** The recall–QPS plot of every vector service together, when there are two or more. */
function acrossServices(report: Report, charts: ChartSpec[]): string {
  const set = recallQpsAcrossServices(report.services);
  const mine = set ? pointCharts([set]).map((spec) => chartSlot(charts.push(spec) - 1, spec)) : [];
  return mine.length ? `<section><h2>Vector services compared</h2><div class="grid">${mine.join('')}</div></section>` : '';
}

/** aifb's own load per service and generator, with the verdict where the client was the bottleneck. */
function clientSection(report: Report): string {
  const services = Object.entries(report.services).filter(([, s]) => s.client);
  if (services.length === 0) return '';
  const f = (v: number | null, unit: string, d = 1) => (v === null ? '-' : `${v.toFixed(d)}${unit}`);
  const rows = services.flatMap(([name, s]) =>
    s.client!.generators.map((g) =>
      row(
        [e(s.client!.generators.length > 1 ? `${name} #${g.generator}` : name), e(g.thread), f(g.event_loop_busy === null ? null : g.event_loop_busy * 100, ' %', 0), f(g.delay_p99_ms, ' ms'), f(g.cpu_seconds, ' s', 2), f(g.schedule_lag_p99_ms, ' ms', 2)].map(String),
        ['text', 'text'],
      ),
    ),
  );
  const verdicts = services.filter(([, s]) => s.client!.verdict).map(([name, s]) => `<p class="warn"><b>${e(name)}</b>: ${e(s.client!.verdict!)}</p>`);
  return `<section id="client"><h2>Client (aifb itself)</h2>${verdicts.join('')}<table>${head(['service', 'thread', 'loop busy', 'delay p99', 'CPU', 'lag p99'])}${rows.join('')}</table><p class="note">Loop busy: event-loop utilisation without the turns spent polling for a sleep's end; at ${e('≥ 90 %')} the client, not the service, set the pace.</p></section>`;
}

function provenanceTable(p: Record<string, unknown>): string {
  const rows = Object.entries(p).map(([k, v]) => row([e(k), e(typeof v === 'string' ? v : JSON.stringify(v))], ['text', 'text']));
  return `<h2 id="provenance">Provenance</h2><table>${rows.join('')}</table>`;
}

/** The HTML report of one run; `recipeText` is the redacted recipe stored with it. */
export function renderReportHtml(report: Report, recipeText: string | null): string {
  const charts: ChartSpec[] = [];
  const ordered = servicesInOrder(report);
  const index = new Map(ordered.map(([name], i) => [name, i]));
  const title = report.name ?? report.benchmark_id;
  const verdict = verdictOf(report);
  // Sweeps and searches answer the question of the run: they come first, then each service.
  const sweeps = Object.entries(report.sweeps ?? {}).map(([name, sw]) => sweepSection(name, sw, charts));
  const services = ordered.map(([name, s], i) => serviceSection(report, name, s, i, charts));
  const failedThresholds = (report.thresholds?.failed ?? 0) > 0;
  const badge = failedThresholds && report.status === 'complete' ? 'thresholds failed' : report.status;
  const badgeClass = failedThresholds ? 'failed' : report.status;
  const body = [
    `<header><h1>${e(title)}</h1>`,
    `<p class="verdict verdict-${e(verdict.outcome.toLowerCase())}">${e(verdict.text)}</p>`,
    `<p class="meta">${e(report.benchmark_id)} · <span class="status status-${e(badgeClass)}">${e(badge)}</span> · started ${e(report.started_at ?? '-')} · ended ${e(report.ended_at ?? '-')}</p>`,
    report.description ? `<p class="desc">${e(report.description)}</p>` : '',
    `<nav>${ordered.map(([n], i) => `<a href="#svc-${i}">${e(n)}</a>`).join('')}<a href="#provenance">provenance</a><a href="#recipe">recipe</a></nav></header>`,
    ...sweeps,
    '<h2>Summary</h2>',
    summaryTable(report, index),
    `<p class="note">Latency is measured from each request's intended start (no coordinated omission). ${e(report.summary.total_requests)} requests, ${e(report.summary.failed_requests)} failed.</p>`,
    thresholdTable(report.thresholds ?? { defined: 0, passed: 0, failed: 0, results: [] }),
    ...services,
    acrossServices(report, charts),
    serverSideSection(report, charts),
    clientSection(report),
    provenanceTable(report.provenance),
    `<h2 id="recipe">Recipe</h2>`,
    recipeText === null ? '<p class="note">The recipe is not stored with this report.</p>' : `<pre>${e(recipeText)}</pre>`,
  ].join('\n');
  return htmlDocument({ title: `aifb: ${title}`, body, charts });
}

/** Writes `<dir>/<benchmark_id>_report.html` atomically and returns its path. */
export function writeHtmlReport(report: Report, recipeText: string | null, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${report.benchmark_id}_report.html`);
  writeFileSync(`${path}.tmp`, renderReportHtml(report, recipeText));
  renameSync(`${path}.tmp`, path);
  return path;
}
