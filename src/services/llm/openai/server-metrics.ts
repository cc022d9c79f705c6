import type { ServerReading } from '../../contract.js';
import { parsePromText, readByTable } from '../../shared/prom-text.js';

// aifb's names (docs/metrics.md, "Server side") ← the names OpenAI-protocol servers
// publish: llama.cpp's `llamacpp:*` (server started with --metrics) and vLLM's `vllm:*`
// (v1 names first, the older ones after). Seconds, token counts, ratios 0..1.
const TABLE = {
  requests_running: { kind: 'gauge', from: ['vllm:num_requests_running', 'llamacpp:requests_processing'] },
  requests_waiting: { kind: 'gauge', from: ['vllm:num_requests_waiting', 'llamacpp:requests_deferred'] },
  kv_cache_usage: { kind: 'gauge', from: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'llamacpp:kv_cache_usage_ratio'] },
  // llama.cpp: the slots busy per decode step, its batch.
  batch_size: { kind: 'gauge', from: ['llamacpp:n_busy_slots_per_decode'] },
  prompt_tokens_per_second: { kind: 'gauge', from: ['llamacpp:prompt_tokens_seconds'] },
  generation_tokens_per_second: { kind: 'gauge', from: ['llamacpp:predicted_tokens_seconds'] },
  requests_total: { kind: 'counter', from: ['vllm:request_success_total'] },
  prompt_tokens_total: { kind: 'counter', from: ['vllm:prompt_tokens_total', 'llamacpp:prompt_tokens_total'] },
  generation_tokens_total: { kind: 'counter', from: ['vllm:generation_tokens_total', 'llamacpp:tokens_predicted_total'] },
  // Prompt tokens served from the prefix cache (llama.cpp leaves them out of prompt_tokens_total).
  prompt_tokens_cached_total: { kind: 'counter', from: ['llamacpp:prompt_tokens_cached_total'] },
  prefill_seconds_total: { kind: 'counter', from: ['vllm:request_prefill_time_seconds_sum', 'llamacpp:prompt_seconds_total'] },
  decode_seconds_total: { kind: 'counter', from: ['vllm:request_decode_time_seconds_sum', 'llamacpp:tokens_predicted_seconds_total'] },
  queue_seconds_total: { kind: 'counter', from: ['vllm:request_queue_time_seconds_sum'] },
  queue_count_total: { kind: 'counter', from: ['vllm:request_queue_time_seconds_count'] },
  ttft_seconds_total: { kind: 'counter', from: ['vllm:time_to_first_token_seconds_sum'] },
  ttft_count_total: { kind: 'counter', from: ['vllm:time_to_first_token_seconds_count'] },
  decode_steps_total: { kind: 'counter', from: ['llamacpp:n_decode_total'] },
} as const;

/** Reads an OpenAI-protocol server's /metrics; vLLM's series are taken for the recipe's model only. */
export function openaiServerReader(model: string | undefined): (text: string) => ServerReading {
  return (text) => readByTable(parsePromText(text), TABLE, model ? { model_name: model } : {});
}
