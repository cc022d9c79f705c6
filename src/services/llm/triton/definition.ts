import { z } from 'zod';
import type { BackendDefinition } from '../../contract.js';
import { tritonServer } from './server.js';
import { llmFields } from '../common/fields.js';
import { LLM_METRICS } from '../common/metrics.js';
import { checkLlmFields } from '../common/check.js';
import { llmMetricsSource } from '../common/server-metrics.js';
import { tritonServerReader } from './server-metrics.js';

const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;

const mixOf = (service: Record<string, unknown>): Record<string, number> => (service.inputs ? { infer: 1 } : { generate_stream: 1 });

/** A KServe v2 input tensor; -1 dimensions take `batch_size` (default 1). */
export const tensorInput = z.strictObject({
  name: z.string().min(1),
  datatype: z.enum(DATATYPES),
  shape: z.array(z.int().min(-1)).min(1),
});

/**
 * Triton Inference Server: the generate extension (`generate`, `generate_stream`) for
 * LLMs, and KServe v2 `infer` with tensors described in the recipe for other models.
 */
export const tritonDefinition: BackendDefinition = {
  serviceTypes: ['triton'],
  isDefault: true,
  description: 'Triton: generate / generate_stream (LLM) and KServe v2 infer (tensors from the recipe)',
  fields: {
    ...llmFields,
    inputs: z.array(tensorInput).min(1).optional(),
    outputs: z.array(z.string()).optional(),
    /** Extra `parameters` sent with generate requests (model-specific). */
    parameters: z.record(z.string(), z.unknown()).optional(),
    model_version: z.string().optional(),
  },
  operations: ['generate_stream', 'generate', 'infer'],
  defaultMix: { generate_stream: 1 },
  defaultMixFor: mixOf,
  check: (service) => checkLlmFields(service, { chat: [], defaultMix: mixOf }),
  metrics: LLM_METRICS,
  load: () => import('./adapter.js'),
  server: tritonServer,
  // Triton serves its metrics on a port of its own, 8002 unless started with --metrics-port.
  serverMetrics: (service) =>
    llmMetricsSource(
      service,
      (base) => `${base.protocol}//${base.hostname}:8002/metrics`, // hostname keeps an IPv6 address's brackets
      tritonServerReader(String(service.model ?? 'ensemble'), typeof service.model_version === 'string' ? service.model_version : undefined),
    ),
};
