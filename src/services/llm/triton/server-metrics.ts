import type { ServerReading } from '../../contract.js';
import { parsePromText, readByTable } from '../../shared/prom-text.js';

const US = 1e-6;

// aifb's names (docs/metrics.md, "Server side") ← Triton's `nv_inference_*` (µs → s).
// Triton counts per model and version: only the recipe's model is read.
const TABLE = {
  requests_waiting: { kind: 'gauge', from: ['nv_inference_pending_request_count'] },
  requests_total: { kind: 'counter', from: ['nv_inference_request_success'] },
  failures_total: { kind: 'counter', from: ['nv_inference_request_failure'] },
  request_seconds_total: { kind: 'counter', from: ['nv_inference_request_duration_us'], scale: US },
  queue_seconds_total: { kind: 'counter', from: ['nv_inference_queue_duration_us'], scale: US },
  compute_input_seconds_total: { kind: 'counter', from: ['nv_inference_compute_input_duration_us'], scale: US },
  compute_seconds_total: { kind: 'counter', from: ['nv_inference_compute_infer_duration_us'], scale: US },
  compute_output_seconds_total: { kind: 'counter', from: ['nv_inference_compute_output_duration_us'], scale: US },
  // inferences / executions is the mean batch a model execution ran.
  inferences_total: { kind: 'counter', from: ['nv_inference_count'] },
  executions_total: { kind: 'counter', from: ['nv_inference_exec_count'] },
} as const;

/** Reads Triton's /metrics for one model (and version, when the recipe names one). */
export function tritonServerReader(model: string, version?: string): (text: string) => ServerReading {
  const where: Record<string, string> = { model };
  if (version) where.version = version;
  return (text) => readByTable(parsePromText(text), TABLE, where);
}
