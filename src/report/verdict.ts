import { fmtDuration, fmtMetric, fmtPercent, fmtRate } from './format.js';
import type { Report, ThresholdResult } from './types.js';

/** The one line that answers "did it pass?", first in the HTML and last in the terminal. */
export interface Verdict {
  /** PASS / FAIL from the thresholds and the run's status; DONE when nothing was asked; PARTIAL when interrupted. */
  outcome: 'PASS' | 'FAIL' | 'DONE' | 'PARTIAL';
  text: string;
}

// Results shown in the line before "+N more": the table below lists them all.
const SHOWN = 3;

/** `p99_latency_ms` → `p99`, `ttft_p95_ms` → `ttft p95`, a declared `ttfb_p99_ms` → `ttfb p99`, `error_rate` → `error rate`. */
function metricLabel(metric: string): string {
  const m = /^(?:(p\d+(?:_9)?|mean|max)_(.+)|(.+?)_(p\d+(?:_9)?|mean|max))_ms$/.exec(metric);
  if (!m) return metric.replace(/_/g, ' ');
  const stat = (m[1] ?? m[4]!).replace('_9', '.9');
  const what = m[2] ?? m[3]!;
  return what === 'latency' ? stat : `${what.replace(/_/g, ' ')} ${stat}`;
}

/** `<500` on a latency → `< 500 ms`; other units keep what the recipe wrote. */
function conditionText(r: ThresholdResult): string {
  const m = /^(<=|>=|<|>)\s*(.+)$/.exec(r.condition.trim());
  if (!m) return r.condition;
  const value = r.unit === 'ms' && /^[\d.e+-]+$/i.test(m[2]!) ? `${m[2]} ms` : r.unit === 'rate' && /^[\d.e+-]+$/i.test(m[2]!) ? `${m[2]}/s` : m[2]!;
  return `${m[1]} ${value}`;
}

function resultText(r: ThresholdResult, many: boolean): string {
  const who = many ? `${r.service}${r.operation ? `/${r.operation}` : ''} ` : r.operation ? `${r.operation} ` : '';
  const label = `${who}${metricLabel(r.metric)}`;
  if (r.actual === null) return `${label}: ${r.note ?? 'no data'} (needs ${conditionText(r)})`;
  return r.pass ? `${label} ${fmtMetric(r.actual, r.unit)} ${conditionText(r)}` : `${label} ${fmtMetric(r.actual, r.unit)} (needs ${conditionText(r)})`;
}

/**
 * What each search found ("max rate meeting the SLOs: 14.4 req/s") and how far each sweep
 * got ("api: up to 99.4 req/s done over 3 steps"): its steps ran one after another, so
 * their rates do not add up.
 */
function groupTexts(report: Report): string[] {
  const groups = Object.entries(report.sweeps ?? {});
  return groups.map(([name, g]) => {
    const who = groups.length > 1 || Object.keys(report.services).length > g.steps.length ? `${name}: ` : '';
    if (g.kind === 'sweep') return `${who}up to ${fmtRate(Math.max(0, ...g.steps.map((st) => st.successful_rps)))} req/s done over ${g.steps.length} steps`;
    return g.best_rate === null ? `${who}no rate tried met the SLOs` : `${who}max rate meeting the SLOs: ${fmtRate(g.best_rate)} req/s`;
  });
}

/**
 * The run's verdict: PASS when every threshold passed on a complete run, FAIL when one
 * failed or a service failed, DONE when the recipe set no thresholds (then the figures
 * alone). The line names the throughput achieved and the thresholds that decided it.
 */
export function verdictOf(report: Report): Verdict {
  const t = report.thresholds ?? { defined: 0, passed: 0, failed: 0, results: [] };
  const services = Object.values(report.services);
  const failedServices = Object.entries(report.services).filter(([, s]) => s.status === 'failed');
  const serviceNames = new Set(t.results.map((r) => r.service));
  const many = serviceNames.size > 1 || Object.keys(report.services).length > 1;
  const parts: string[] = [];
  // A failure is what the reader needs; with none, the passes say how close it was.
  const judged = t.failed ? t.results.filter((r) => !r.pass) : t.results;
  // Throughput of the one service the thresholds judge, or of the services that ran side by side.
  const stepNames = new Set(Object.values(report.sweeps ?? {}).flatMap((g) => g.steps.map((st) => st.service)));
  const oneName = serviceNames.size === 1 ? [...serviceNames][0]! : services.length === 1 ? Object.keys(report.services)[0]! : undefined;
  const one = oneName === undefined ? undefined : report.services[oneName];
  const alongside = services.filter((_, i) => !stepNames.has(Object.keys(report.services)[i]!));
  const rate = one ? one.throughput.successful_per_second : alongside.reduce((a, s) => a + s.throughput.successful_per_second, 0);
  parts.push(...groupTexts(report));
  if (report.summary.total_requests > 0 && (one ? !stepNames.has(oneName!) : alongside.length > 0)) {
    parts.push(`${one && many ? `${oneName} ` : ''}${fmtRate(rate)} req/s achieved${one || alongside.length === 1 ? '' : ' in all'}`);
  }
  const errors = one ? (one.requests.total ? one.requests.failed / one.requests.total : 0) : report.summary.total_requests ? report.summary.failed_requests / report.summary.total_requests : 0;
  if (errors > 0) parts.push(`${fmtPercent(errors)} errors`);
  for (const [name, s] of failedServices.slice(0, SHOWN)) parts.push(`${name} failed${s.error ? `: ${s.error.replace(/^\S+:\d+:\d+: /, '')}` : ''}`);
  if (t.failed) parts.push(`${t.failed} of ${t.defined} threshold(s) failed: ${judged.slice(0, SHOWN).map((r) => resultText(r, many)).join(', ')}${judged.length > SHOWN ? `, +${judged.length - SHOWN} more` : ''}`);
  else {
    for (const r of judged.slice(0, SHOWN)) parts.push(resultText(r, many));
    if (judged.length > SHOWN) parts.push(`+${judged.length - SHOWN} more threshold(s) passed`);
  }
  if (t.defined === 0 && !failedServices.length) {
    const allFailed = Object.entries(report.services).filter(([, s]) => s.requests.total > 0 && s.requests.successful === 0).map(([n]) => n);
    if (allFailed.length) parts.push(`every request of ${allFailed.join(', ')} failed`);
    if (!one && report.summary.p99_duration !== null) parts.push(`p99 ${fmtDuration(report.summary.p99_duration)} over ${report.summary.total_requests} requests`);
    else if (one && one.percentiles.p99 !== null) parts.push(`p99 ${fmtDuration(one.percentiles.p99)}`);
    if (report.summary.dropped_starts) parts.push(`${report.summary.dropped_starts} starts dropped at max_in_flight`);
    for (const [name, s] of Object.entries(report.services)) {
      if (s.goodput && !stepNames.has(name)) parts.push(`${name} goodput ${fmtRate(s.goodput.requests_per_second)} req/s under its SLOs`);
    }
    parts.push('no thresholds set');
  }
  const outcome: Verdict['outcome'] = report.partial ? 'PARTIAL' : failedServices.length || t.failed > 0 ? 'FAIL' : t.defined > 0 ? 'PASS' : 'DONE';
  const lead = outcome === 'PARTIAL' ? `PARTIAL (interrupted${t.failed ? `, ${t.failed} threshold(s) failed` : ''})` : outcome;
  return { outcome, text: `${lead} — ${parts.join(', ')}` };
}
