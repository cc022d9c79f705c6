import { formatBytes, formatMs } from '../util/units.js';
import type { Report } from './types.js';

const sec = (s: number | null) => formatMs(s === null ? null : s * 1000);

/** Lays out rows as aligned columns (numbers right-aligned). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The end-of-run summary people read in a terminal or a job log. */
export function renderSummary(report: Report): string {
  const out: string[] = [];
  const status = report.partial ? 'PARTIAL (interrupted)' : report.status;
  out.push(`Benchmark ${report.benchmark_id}${report.name ? ` — ${report.name}` : ''}: ${status}`);
  const rows: string[][] = [];
  for (const [name, s] of Object.entries(report.services)) {
    const ops = Object.keys(s.operations);
    const add = (label: string, x: typeof s) =>
      rows.push([
        label,
        String(x.requests.total),
        x.requests.failed ? `${x.requests.failed} (${(100 - (x.requests.success_rate ?? 100)).toFixed(1)}%)` : '0',
        x.throughput.requests_per_second.toFixed(1),
        sec(x.percentiles.p50),
        sec(x.percentiles.p90),
        sec(x.percentiles.p99),
        sec(x.timing.max_duration),
      ]);
    add(s.status === 'complete' ? name : `${name} [${s.status}]`, s);
    if (ops.length > 1) for (const op of ops) add(`  ${op}`, { ...s, ...s.operations[op]! });
  }
  out.push(table(['service / operation', 'requests', 'errors', 'req/s', 'p50', 'p90', 'p99', 'max'], rows));
  for (const [name, s] of Object.entries(report.services)) {
    const notes: string[] = [];
    const l = s.load;
    const ramp = l.stages.length ? ` ramped to ${l.stages.map((st) => st.target).join('→')}` : '';
    if (l.mode === 'open') {
      notes.push(`open loop ${l.arrival ?? ''} ${l.requested_rate ?? '-'} req/s requested${ramp}, ${l.achieved_rate ?? '-'} req/s achieved`);
    } else if (l.mode === 'closed') notes.push(`closed loop, ${l.clients ?? '-'} clients${ramp}`);
    if (l.dropped_starts) notes.push(`${l.dropped_starts} starts dropped (max_in_flight ${l.max_in_flight})`);
    if (l.warmup_requests) notes.push(`${l.warmup_requests} warm-up requests excluded`);
    if (l.cancelled) notes.push(`${l.cancelled} in-flight requests cancelled at stop`);
    const errs = Object.entries(s.errors);
    if (errs.length) notes.push(`errors: ${errs.map(([c, n]) => `${c} ${n}`).join(', ')}`);
    if (s.bytes.in || s.bytes.out) {
      notes.push(`${formatBytes(s.throughput.bytes_in_per_second)}/s in, ${formatBytes(s.throughput.bytes_out_per_second)}/s out`);
    }
    if (s.error) notes.push(`failed: ${s.error}`);
    out.push(`  ${name}: ${notes.join('; ')}`);
  }
  const sum = report.summary;
  out.push(
    `Total: ${sum.total_requests} requests, ${sum.failed_requests} failed` +
      `${sum.dropped_starts ? `, ${sum.dropped_starts} dropped starts` : ''}; latency p50 ${sec(sum.median_duration)}, p99 ${sec(sum.p99_duration)} (from intended start)`,
  );
  return out.join('\n');
}
