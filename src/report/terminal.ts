import { renderServerSide } from './server-side-text.js';
import { endsText, fmtBytes, fmtDuration, fmtMetric, fmtRate, tallyLine } from './format.js';
import { talliesOf, valueAt } from './declared.js';
import type { SessionsTally } from '../metrics/declaration.js';
import type { SessionsReport } from '../metrics/aggregates/tallies.js';
import { servicesInOrder, sloText } from './display.js';
import type { Report, ServiceReport, SliceReport, ThresholdReport } from './types.js';
import { verdictOf } from './verdict.js';

// Server messages and recipe names reach a terminal: never let them carry escape sequences.
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Lays out rows as aligned columns; by default the first is left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const width = (s: string) => [...s].length;
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const pad = (c: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, widths[i]! - width(c)));
    return (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? c + fill : fill + c;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function sliceRow(label: string, x: SliceReport): string[] {
  const failedPct = x.requests.total ? (100 * x.requests.failed) / x.requests.total : 0;
  return [
    label,
    String(x.requests.total),
    x.requests.failed ? `${x.requests.failed} (${failedPct.toFixed(1)}%)` : '0',
    fmtRate(x.throughput.requests_per_second),
    fmtDuration(x.percentiles.p50),
    fmtDuration(x.percentiles.p90),
    fmtDuration(x.percentiles.p99),
    fmtDuration(x.timing.max_duration),
  ];
}

function loadNote(s: ServiceReport): string[] {
  const notes: string[] = [];
  const l = s.load;
  const ramp = l.stages.length ? ` ramped to ${l.stages.map((st) => st.target).join('→')}` : '';
  if (l.mode === 'open') {
    notes.push(`open loop ${l.arrival ?? ''} ${l.requested_rate ?? '-'} req/s requested${ramp}, ${fmtRate(l.achieved_rate)} req/s achieved`);
  } else if (l.mode === 'closed') notes.push(`closed loop, ${l.clients ?? '-'} clients${ramp}`);
  if (l.dropped_starts) notes.push(`${l.dropped_starts} starts dropped (max_in_flight ${l.max_in_flight})`);
  if (l.warmup_requests) notes.push(`${l.warmup_requests} warm-up requests excluded`);
  if (l.cancelled) notes.push(`${l.cancelled} in-flight requests cancelled at stop`);
  return notes;
}

function serviceNotes(name: string, s: ServiceReport): string[] {
  const out = [`  ${plain(name)}: ${loadNote(s).join('; ')}`];
  const errs = Object.entries(s.errors);
  if (errs.length) {
    const ex = (c: string) => (s.error_examples[c] ? ` ("${clip(plain(s.error_examples[c]!), 60)}")` : '');
    out.push(`    errors: ${errs.map(([c, n]) => `${c} ${n}${ex(c)}`).join(', ')}`);
  }
  if (s.bytes.in || s.bytes.out) {
    out.push(`    data: ${fmtBytes(s.throughput.bytes_in_per_second)}/s in, ${fmtBytes(s.throughput.bytes_out_per_second)}/s out`);
  }
  if (s.llm) {
    const d = (label: string, x: { p50: number | null; p99: number | null }) => `${label} p50 ${fmtDuration(x.p50)} p99 ${fmtDuration(x.p99)}`;
    const tok = s.llm.output_tokens_per_second === null ? '' : `; ${fmtRate(s.llm.output_tokens_per_second)} output tokens/s`;
    out.push(`    llm: ${d('ttft', s.llm.ttft)}; ${d('tpot', s.llm.tpot)}; ${d('itl', s.llm.itl)}${tok}`);
  }
  for (const t of talliesOf(s)) {
    const line = tallyLine(t, (path) => valueAt(s, path));
    if (line) out.push(`    ${t.label}: ${line}`);
    else if (t.kind === 'sessions' && valueAt(s, t.reportAs)) out.push(...sessionLines(t, valueAt(s, t.reportAs) as SessionsReport));
  }
  if (s.goodput) {
    const g = s.goodput;
    const share = g.fraction === null ? '' : ` (${(g.fraction * 100).toFixed(1)}% of requests)`;
    out.push(`    goodput: ${fmtRate(g.requests_per_second)} req/s met every SLO${share}; SLOs ${sloText(g.slo) || 'none'}`);
  }
  if (s.error) out.push(`    failed: ${clip(plain(s.error), 200)}`);
  return out;
}

// Positions past this are summed up in one line: the table is for seeing the trend.
const TURNS_SHOWN = 10;

/** Sessions: how TTFT and the prompt grow with the turn's position. */
function sessionLines(t: SessionsTally, x: SessionsReport): string[] {
  const head = `    ${t.label}: ${x.sessions} (ended in the window: ${endsText(t, x.ended)})`;
  const rows = x.turns.slice(0, TURNS_SHOWN).map((t) => [
    String(t.turn),
    String(t.requests),
    String(t.failed),
    fmtDuration(t.ttft.p50),
    fmtDuration(t.ttft.p99),
    t.input_tokens.mean === null ? '-' : String(Math.round(t.input_tokens.mean)),
  ]);
  const body = table(['turn', 'requests', 'failed', 'ttft p50', 'ttft p99', 'input tokens'], rows).split('\n').map((l) => `      ${l}`);
  const rest = x.turns.length > TURNS_SHOWN ? [`      … ${x.turns.length - TURNS_SHOWN} more turn positions in the JSON report`] : [];
  return [head, ...body, ...rest];
}

/** The thresholds block of the summary: every result, failures first. */
export function renderThresholds(t: ThresholdReport): string {
  if (t.defined === 0) return '';
  const rows = [...t.results]
    .sort((a, b) => Number(a.pass) - Number(b.pass))
    .map((r) => [
      r.pass ? 'pass' : 'FAIL',
      plain(r.operation ? `${r.service}/${r.operation}` : r.service),
      r.metric,
      plain(r.condition),
      r.note && r.actual === null ? r.note : fmtMetric(r.actual, r.unit),
    ]);
  const head = t.failed ? `Thresholds: ${t.failed} of ${t.defined} FAILED` : `Thresholds: all ${t.defined} passed`;
  const body = table(['', 'service', 'metric', 'condition', 'actual'], rows, ['l', 'l', 'l', 'l', 'r']).split('\n').slice(2);
  return [head, ...body.map((l) => `  ${l}`)].join('\n');
}

/** aifb's own load per service (and generator), and a plain warning where it was the bottleneck. */
export function renderClient(report: Report): string {
  const services = Object.entries(report.services).filter(([, s]) => s.client);
  if (services.length === 0) return '';
  const f = (v: number | null, unit: string, d = 1) => (v === null ? '-' : `${v.toFixed(d)}${unit}`);
  const rows: string[][] = [];
  for (const [name, s] of services) {
    const c = s.client!;
    const many = c.generators.length > 1;
    for (const g of c.generators) {
      rows.push([
        plain(many ? `${name} #${g.generator}` : name),
        g.thread,
        f(g.event_loop_busy === null ? null : g.event_loop_busy * 100, ' %', 0),
        f(g.delay_p99_ms, ' ms'),
        f(g.cpu_seconds, ' s', 2),
        f(g.schedule_lag_p99_ms, ' ms', 2),
      ]);
    }
  }
  const out = ['Client (aifb itself):', ...table(['service', 'thread', 'loop busy', 'delay p99', 'CPU', 'lag p99'], rows).split('\n').map((l) => `  ${l}`)];
  for (const [name, s] of services) if (s.client!.verdict) out.push(`  ! ${plain(name)}: ${plain(s.client!.verdict)}`);
  return out.join('\n');
}

/** The end-of-run summary people read in a terminal or a job log. */
export function renderSummary(report: Report): string {
  const out: string[] = [];
  const status = report.partial ? 'PARTIAL (interrupted)' : report.status === 'complete' && report.thresholds?.failed ? 'complete, thresholds FAILED' : report.status;
  out.push(`Benchmark ${report.benchmark_id}${report.name ? ` — ${plain(report.name)}` : ''}: ${status}`);
  // The figures below come from the recipe as changed by these flags: say so first.
  const overrides = report.provenance?.overrides;
  if (Array.isArray(overrides) && overrides.length) out.push(`Overrides: ${overrides.map((o) => plain(String(o))).join('  ')}`);
  const rows: string[][] = [];
  const ordered = servicesInOrder(report);
  for (const [name, s] of ordered) {
    rows.push(sliceRow(plain(s.status === 'complete' ? name : `${name} [${s.status}]`), s));
    const ops = Object.keys(s.operations);
    if (ops.length > 1) for (const op of ops) rows.push(sliceRow(`  ${plain(op)}`, s.operations[op]!));
  }
  out.push(table(['service / operation', 'requests', 'errors', 'req/s', 'p50', 'p90', 'p99', 'max'], rows));
  for (const [name, s] of ordered) out.push(...serviceNotes(name, s));
  for (const [name, g] of Object.entries(report.sweeps ?? {})) {
    if (g.kind === 'search') out.push(`Search ${plain(name)}: highest rate with ≥ ${((g.target ?? 0) * 100).toFixed(0)}% of requests meeting every SLO: ${g.best_rate === null ? 'none of the rates tried' : `${fmtRate(g.best_rate)} req/s`}`);
  }
  const server = renderServerSide(report, plain);
  if (server) out.push(server);
  const client = renderClient(report);
  if (client) out.push(client);
  const th = report.thresholds ? renderThresholds(report.thresholds) : '';
  if (th) out.push(th);
  const sum = report.summary;
  out.push(
    `Total: ${sum.total_requests} requests, ${sum.failed_requests} failed` +
      `${sum.dropped_starts ? `, ${sum.dropped_starts} dropped starts` : ''}; latency p50 ${fmtDuration(sum.median_duration)}, p99 ${fmtDuration(sum.p99_duration)} (from intended start)`,
  );
  // The answer last, where the eye lands when the run ends.
  out.push(plain(verdictOf(report).text));
  return out.join('\n');
}
