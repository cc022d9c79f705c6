import type Database from 'better-sqlite3';
import { parse } from 'yaml';
import { UsageError } from '../errors.js';
import type { Report } from './types.js';
import { declarationsOf } from './declared.js';

/**
 * One LLM service of a run as vLLM's `vllm bench serve --save-result` writes it (its
 * field names; times per request in seconds, statistics in milliseconds), so scripts that
 * plot vLLM's result files read aifb's. Statistics are computed from the stored rows as
 * vLLM computes them (numpy: mean, population std, median, linear-interpolated
 * percentiles), not from aifb's histograms; docs/reports.md lists how each field maps.
 */
export interface VllmResult {
  date: string;
  backend: string | null;
  label: string;
  model_id: string | null;
  tokenizer_id: string | null;
  num_prompts: number;
  request_rate: number | 'inf';
  burstiness: number | null;
  max_concurrency: number | null;
  duration: number;
  completed: number;
  failed: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number;
  request_goodput: number | null;
  output_throughput: number;
  total_token_throughput: number;
  input_lens: number[];
  output_lens: number[];
  ttfts: number[];
  itls: number[][];
  generated_texts: string[];
  errors: string[];
  max_output_tokens_per_s: number;
  max_concurrent_requests: number;
  [stat: string]: unknown;
}

/** The percentiles written (vLLM's default is 99 alone; `--metric-percentiles 50,90,95,99` gives these). */
export const VLLM_PERCENTILES = [50, 90, 95, 99] as const;

interface Row {
  success: number;
  error_message: string | null;
  error_class: string | null;
  actual_start: number;
  service_time: number;
  ttft: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  extra: string | null;
}

/** numpy.percentile's default (linear interpolation between closest ranks) of sorted values. */
export function percentileLinear(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** mean_, median_, std_ and pNN_ fields of one metric in ms, 0 when empty (as vLLM writes them). */
function stats(name: string, valuesMs: number[]): Record<string, number> {
  const v = [...valuesMs].sort((a, b) => a - b);
  const n = v.length;
  const mean = n ? v.reduce((a, b) => a + b, 0) / n : 0;
  const std = n ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : 0;
  const out: Record<string, number> = { [`mean_${name}_ms`]: mean, [`median_${name}_ms`]: percentileLinear(v, 50), [`std_${name}_ms`]: std };
  for (const p of VLLM_PERCENTILES) out[`p${p}_${name}_ms`] = percentileLinear(v, p);
  return out;
}

/** The recipe's `model` and `tokenizer` of a service (a sweep step `name@…` is its service's). */
function recipeFields(recipeText: string | null, service: string): { model: string | null; tokenizer: string | null } {
  try {
    const doc = parse(recipeText ?? '') as { services?: Record<string, unknown>[] } | null;
    const base = service.replace(/@.*$/, '');
    const s = doc?.services?.find((x) => x.service_name === service || x.service_name === base || x.name === base);
    return { model: typeof s?.model === 'string' ? s.model : null, tokenizer: typeof s?.tokenizer === 'string' ? s.tokenizer : null };
  } catch {
    return { model: null, tokenizer: null };
  }
}

/** The LLM service to export: the one named, or the run's only one. */
export function chooseLlmService(report: Report, name: string | undefined): string {
  const llm = Object.keys(report.services).filter((s) => report.services[s]!.llm);
  if (name) {
    if (!report.services[name]) throw new UsageError(`export: no service "${name}" in run ${report.benchmark_id} (services: ${Object.keys(report.services).join(', ')})`);
    if (!report.services[name]!.llm) throw new UsageError(`export: service "${name}" is not an LLM service; vLLM's format has token metrics only`);
    return name;
  }
  if (llm.length === 1) return llm[0]!;
  if (llm.length === 0) throw new UsageError(`export: run ${report.benchmark_id} has no LLM service; --format vllm needs one`);
  throw new UsageError(`export: run ${report.benchmark_id} has ${llm.length} LLM services; name one with --service (${llm.join(', ')})`);
}

/** Builds vLLM's result JSON for one LLM service of a run, from its rows in the database. */
export function vllmResult(db: Database.Database, report: Report, service: string, recipeText: string | null): VllmResult {
  const s = report.services[service]!;
  const rows = db
    .prepare('SELECT success, error_message, error_class, actual_start, service_time, ttft, input_tokens, output_tokens, extra FROM metrics WHERE benchmark_id = ? AND service_name = ? ORDER BY id')
    .all(report.benchmark_id, service) as Row[];
  const duration = s.load.window_seconds ?? 0;
  const ok = rows.filter((r) => r.success === 1);
  // vLLM's itls and e2el are the declared metrics the report shows as llm.itl and llm.e2el.
  const keyOf = (path: string) => declarationsOf(s).find((d) => d.reportAs === path)?.name ?? '';
  const [itlKey, e2elKey] = [keyOf('llm.itl'), keyOf('llm.e2el')];
  const extras = rows.map((r) => (r.success === 1 && r.extra ? (JSON.parse(r.extra) as Record<string, unknown>) : {}));
  const itlsOf = (x: Record<string, unknown>): number[] => {
    const out: number[] = [];
    for (const [gap, k] of (x[itlKey] ?? []) as [number, number][]) for (let i = 0; i < k; i++) out.push(gap / 1000);
    return out;
  };
  const itls = extras.map(itlsOf);
  // vLLM's latency ends at the last token-bearing chunk (aifb's e2el), not at the stream's end.
  const e2elOf = rows.map((r, i) => {
    const e2el = extras[i]![e2elKey];
    return typeof e2el === 'number' ? e2el / 1000 : r.service_time;
  });
  const okE2el = e2elOf.filter((_, i) => rows[i]!.success === 1);
  const okItls = itls.filter((_, i) => rows[i]!.success === 1);
  const inputLens = rows.map((r) => r.input_tokens ?? 0);
  const outputLens = rows.map((r) => (r.success === 1 ? (r.output_tokens ?? 0) : 0));
  const totalIn = ok.reduce((a, r) => a + (r.input_tokens ?? 0), 0);
  const totalOut = ok.reduce((a, r) => a + (r.output_tokens ?? 0), 0);
  const ttftMs = ok.filter((r) => r.ttft !== null).map((r) => r.ttft! * 1000);
  const tpotMs = ok.flatMap((r, i) => (r.ttft !== null && (r.output_tokens ?? 0) > 1 ? [((okE2el[i]! - r.ttft) / (r.output_tokens! - 1)) * 1000] : []));
  const itlMs = itls.flat().map((g) => g * 1000);
  const e2elMs = okE2el.map((s) => s * 1000);
  const peaks = peakFigures(ok, okItls);
  const rate = (n: number) => (duration > 0 ? n / duration : 0);
  const { model, tokenizer } = recipeFields(recipeText, service);
  const started = new Date(report.started_at ?? report.generated_at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${started.getUTCFullYear()}${pad(started.getUTCMonth() + 1)}${pad(started.getUTCDate())}-${pad(started.getUTCHours())}${pad(started.getUTCMinutes())}${pad(started.getUTCSeconds())}`,
    backend: s.service_type,
    label: `aifb ${report.benchmark_id} ${service}`,
    model_id: model,
    tokenizer_id: tokenizer,
    num_prompts: rows.length,
    request_rate: s.load.mode === 'open' && s.load.requested_rate ? s.load.requested_rate : 'inf',
    burstiness: s.load.arrival === 'poisson' ? 1 : null,
    max_concurrency: s.load.mode === 'closed' ? s.load.clients : s.load.max_in_flight,
    duration,
    completed: ok.length,
    failed: rows.length - ok.length,
    total_input_tokens: totalIn,
    total_output_tokens: totalOut,
    request_throughput: rate(ok.length),
    request_goodput: s.goodput ? (s.goodput.requests_per_second ?? 0) : null,
    output_throughput: rate(totalOut),
    total_token_throughput: rate(totalIn + totalOut),
    input_lens: inputLens,
    output_lens: outputLens,
    ttfts: rows.map((r) => (r.success === 1 && r.ttft !== null ? r.ttft : 0)),
    itls,
    // aifb keeps no generated text (it would be the largest part of the database).
    generated_texts: rows.map(() => ''),
    errors: rows.map((r) => (r.success === 1 ? '' : `${r.error_class ?? 'error'}: ${r.error_message ?? ''}`)),
    max_output_tokens_per_s: peaks.tokensPerSecond,
    max_concurrent_requests: peaks.concurrent,
    ...stats('ttft', ttftMs),
    ...stats('tpot', tpotMs),
    ...stats('itl', itlMs),
    ...stats('e2el', e2elMs),
  };
}

/**
 * vLLM's peak figures from token arrival times: each token's time is its request's send
 * plus TTFT plus the gaps before it; the most tokens in one whole second of the run, and
 * the most requests in flight during that second (as vLLM counts them).
 */
function peakFigures(ok: Row[], itls: number[][]): { tokensPerSecond: number; concurrent: number } {
  const perSecond = new Map<number, number>();
  const add = (at: number) => perSecond.set(Math.floor(at), (perSecond.get(Math.floor(at)) ?? 0) + 1);
  ok.forEach((r, i) => {
    if (r.ttft === null) return;
    let t = r.actual_start + r.ttft;
    add(t);
    for (const g of itls[i]!) add((t += g));
  });
  let peakSecond = 0;
  let tokensPerSecond = 0;
  for (const [sec, n] of perSecond) if (n > tokensPerSecond) (tokensPerSecond = n), (peakSecond = sec);
  const concurrent = ok.filter((r) => r.actual_start < peakSecond + 1 && r.actual_start + r.service_time > peakSecond).length;
  return { tokensPerSecond, concurrent };
}
