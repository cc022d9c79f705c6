import { fmtBytes, fmtDuration, fmtMetric, fmtRate } from './format.js';
import type { Report, SliceReport } from './types.js';
import { verdictOf } from './verdict.js';

/**
 * Text for a Markdown table cell: pipes, markup characters and newlines from a recipe
 * or a server must not change the table or inject links or HTML.
 */
export function mdCell(v: unknown): string {
  return String(v ?? '')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()<>#+!|~&]/g, (c) => `\\${c}`);
}

const code = (s: string) => `\`${s.replace(/[`|\r\n]/g, '')}\``;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const rule = (aligns: string[]) => `|${aligns.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`;

function sliceCells(x: SliceReport): string[] {
  const pct = x.requests.total ? ` (${((100 * x.requests.failed) / x.requests.total).toFixed(1)}%)` : '';
  return [
    String(x.requests.total),
    x.requests.failed ? `${x.requests.failed}${pct}` : '0',
    fmtRate(x.throughput.requests_per_second),
    ...[x.percentiles.p50, x.percentiles.p90, x.percentiles.p99, x.timing.max_duration].map(fmtDuration),
  ];
}

/** A Markdown summary of a run for a pull request or a CI job summary. */
export function markdownSummary(report: Report): string {
  const out: string[] = [];
  const verdict = report.thresholds.failed ? ` — ❌ ${report.thresholds.failed} threshold(s) failed` : report.thresholds.defined ? ' — ✅ thresholds passed' : '';
  out.push(`## aifb: ${mdCell(report.name ?? report.benchmark_id)}${verdict}`, '');
  out.push(`**${mdCell(verdictOf(report).text)}**`, '');
  out.push(`\`${report.benchmark_id.replace(/`/g, '')}\` · status **${mdCell(report.status)}** · ${mdCell(report.started_at ?? '')}`, '');
  out.push(row(['service / operation', 'requests', 'errors', 'req/s', 'p50', 'p90', 'p99', 'max']), rule(['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
  for (const [name, s] of Object.entries(report.services)) {
    out.push(row([`**${mdCell(name)}**${s.status === 'complete' ? '' : ` (${mdCell(s.status)})`}`, ...sliceCells(s)]));
    const ops = Object.entries(s.operations);
    if (ops.length > 1) for (const [op, o] of ops) out.push(row([`↳ ${mdCell(op)}`, ...sliceCells(o)]));
  }
  out.push('');
  const notes = Object.entries(report.services).flatMap(([name, s]) => {
    const n: string[] = [];
    if (s.llm) n.push(`TTFT p50 ${fmtDuration(s.llm.ttft.p50)}, p99 ${fmtDuration(s.llm.ttft.p99)}; ${fmtRate(s.llm.output_tokens_per_second)} output tokens/s`);
    if (s.bytes.in || s.bytes.out) n.push(`${fmtBytes(s.throughput.bytes_in_per_second)}/s in, ${fmtBytes(s.throughput.bytes_out_per_second)}/s out`);
    const errs = Object.entries(s.errors);
    if (errs.length) n.push(`errors: ${errs.map(([c, k]) => `${mdCell(c)} ${k}`).join(', ')}`);
    return n.length ? [`- **${mdCell(name)}**: ${n.join('; ')}`] : [];
  });
  if (notes.length) out.push(...notes, '');
  const t = report.thresholds;
  if (t.defined) {
    out.push(`### Thresholds: ${t.passed} passed, ${t.failed} failed`, '');
    out.push(row(['', 'service', 'metric', 'condition', 'actual']), rule(['l', 'l', 'l', 'l', 'r']));
    for (const r of t.results) {
      const where = r.operation ? `${r.service} / ${r.operation}` : r.service;
      out.push(row([r.pass ? '✅' : '❌', mdCell(where), code(r.metric), code(r.condition), mdCell(r.note && r.actual === null ? r.note : fmtMetric(r.actual, r.unit))]));
    }
    out.push('');
  }
  out.push(`Latency is from each request's intended start; ${report.summary.total_requests} requests, ${report.summary.failed_requests} failed.`, '');
  return out.join('\n');
}
