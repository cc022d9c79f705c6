/**
 * The three clients bench/llm/peers.ts runs against one llama-server, each asked for the
 * same work: chat, streamed, ISL → OSL tokens with ignore_eos, Poisson arrivals at `rate`,
 * about `requests` requests. Each returns its own figures under one set of names (ms, /s).
 *
 * Names differ between the tools: aiperf's "inter token latency" and guidellm's
 * "time per output token" are aifb's TPOT; aiperf's "inter chunk latency" and
 * guidellm's "inter token latency" are gaps between chunks, aifb's ITL.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aifbRun, tempDir } from '../lib.js';

export type Figures = Record<string, number | null>;
export interface Work {
  port: number;
  rate: number;
  requests: number;
  isl: number;
  osl: number;
  tokenizer: string;
}

const ms = (v: number | null | undefined) => (typeof v === 'number' ? v * 1000 : null);

/**
 * aiperf 0.13 with the server's token counts (`--use-server-token-count`): by default it
 * re-tokenizes the streamed text itself, which for this model's byte-level gibberish is not
 * the 64 tokens the server generated (docs/performance.md).
 */
export function runAiperf(bin: string, w: Work): Figures {
  const out = tempDir('aiperf-');
  execFileSync(bin, ['profile', '-m', 'tiny', '--url', `127.0.0.1:${w.port}`, '--endpoint-type', 'chat', '--streaming',
    '--tokenizer', w.tokenizer, '--isl', String(w.isl), '--isl-stddev', '0', '--osl', String(w.osl), '--osl-stddev', '0',
    '--extra-inputs', 'ignore_eos:true', '--use-server-token-count', '--request-rate', String(w.rate), '--arrival-pattern', 'poisson',
    '--request-count', String(w.requests), '--ui-type', 'none', '--artifact-dir', out], { stdio: 'ignore', timeout: 900_000 });
  const d = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8')) as Record<string, Record<string, number>>;
  return {
    ttft_p50_ms: d.time_to_first_token!.p50!, ttft_p99_ms: d.time_to_first_token!.p99!, ttft_mean_ms: d.time_to_first_token!.avg!,
    tpot_p50_ms: d.inter_token_latency!.p50!, tpot_p99_ms: d.inter_token_latency!.p99!,
    itl_p50_ms: d.inter_chunk_latency?.p50 ?? null, itl_p99_ms: d.inter_chunk_latency?.p99 ?? null,
    e2e_p50_ms: d.request_latency!.p50!, e2e_p99_ms: d.request_latency!.p99!, e2e_mean_ms: d.request_latency!.avg!,
    output_tokens_per_s: d.output_token_throughput!.avg!, requests_per_s: d.request_throughput!.avg!,
    requests: d.request_count?.avg ?? null, output_tokens_mean: d.output_sequence_length?.avg ?? null,
  };
}

/**
 * guidellm 0.8.1: its JSON's per-request distributions (ms) and its own duration for the
 * rates. Run with one worker process: its Poisson strategy seeds every worker's generator
 * with the same seed (42), so with its default 10 workers each exponential gap comes ten
 * times and 40 requests carry only 4 independent gaps (docs/performance.md).
 */
export function runGuidellm(bin: string, w: Work): Figures {
  const out = join(tempDir('guidellm-'), 'out.json');
  execFileSync(bin, ['run', '--backend', `kind=openai_http,target=http://127.0.0.1:${w.port}`, '--profile', `kind=poisson,rate=${w.rate}`,
    '--constraint', `kind=max_requests,count=${w.requests}`, '--data', `kind=synthetic_text,prompt_tokens=${w.isl},output_tokens=${w.osl}`,
    '--tokenizer', `kind=huggingface_auto,model=${w.tokenizer}`, '--output', `kind=json,path=${out}`, '--disable-console-interactive'],
  { stdio: 'ignore', timeout: 900_000, env: { ...process.env, GUIDELLM__MAX_WORKER_PROCESSES: '1' } });
  const b = (JSON.parse(readFileSync(out, 'utf8')) as { benchmarks: Record<string, any>[] }).benchmarks[0]!;
  const m = b.metrics as Record<string, { successful: { mean: number; percentiles: Record<string, number>; count: number; total_sum: number } }>;
  const d = (k: string) => m[k]!.successful;
  const duration = b.duration as number;
  return {
    ttft_p50_ms: d('time_to_first_token_ms').percentiles.p50!, ttft_p99_ms: d('time_to_first_token_ms').percentiles.p99!, ttft_mean_ms: d('time_to_first_token_ms').mean,
    tpot_p50_ms: d('time_per_output_token_ms').percentiles.p50!, tpot_p99_ms: d('time_per_output_token_ms').percentiles.p99!,
    itl_p50_ms: d('inter_token_latency_ms').percentiles.p50!, itl_p99_ms: d('inter_token_latency_ms').percentiles.p99!,
    e2e_p50_ms: d('request_latency').percentiles.p50! * 1000, e2e_p99_ms: d('request_latency').percentiles.p99! * 1000, e2e_mean_ms: d('request_latency').mean * 1000,
    // guidellm's own "mean" of output_tokens_per_second is a time-weighted instantaneous rate; the total over its duration is comparable.
    output_tokens_per_s: d('output_token_count').total_sum / duration, requests_per_s: d('request_latency').count / duration,
    requests: d('request_latency').count, output_tokens_mean: d('output_token_count').mean,
  };
}

/** aifb through its CLI, as a user runs it (the run's window is requests / rate). */
export function runAifb(w: Work): { figures: Figures; server: unknown } {
  const report = aifbRun(`services:
  - service_name: llama
    service_type: openai
    service_url: http://127.0.0.1:${w.port}
    model: tiny
    api: chat
    max_tokens: ${w.osl}
    ignore_eos: true
    prompts: {input_tokens: ${w.isl}}
    duration: ${Math.ceil(w.requests / w.rate)}s
    load: {rate: ${w.rate}, arrival: poisson, max_in_flight: 64}
`);
  const s = report.services.llama;
  const llm = s.llm;
  return {
    figures: {
      ttft_p50_ms: ms(llm.ttft.p50), ttft_p99_ms: ms(llm.ttft.p99), ttft_mean_ms: ms(llm.ttft.mean),
      tpot_p50_ms: ms(llm.tpot.p50), tpot_p99_ms: ms(llm.tpot.p99),
      itl_p50_ms: ms(llm.itl.p50), itl_p99_ms: ms(llm.itl.p99),
      e2e_p50_ms: ms(llm.e2el?.p50), e2e_p99_ms: ms(llm.e2el?.p99), e2e_mean_ms: ms(llm.e2el?.mean),
      output_tokens_per_s: llm.output_tokens_per_second, requests_per_s: s.throughput?.requests_per_second ?? null,
      requests: llm.requests, output_tokens_mean: llm.requests ? llm.output_tokens / llm.requests : null,
    },
    server: s.server ?? null,
  };
}
