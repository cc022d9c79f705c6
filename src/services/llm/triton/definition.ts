import type { BackendDefinition } from '../../contract.js';
import type { FieldsOf } from '../../fields.js';
import { tritonServer } from './server.js';
import { llmDefinitionParts } from '../common/check.js';
import { llmMetricsSource } from '../common/server-metrics.js';
import { tritonServerReader } from './server-metrics.js';
import { tritonFields } from '../common/fields.js';

const mixOf = (service: FieldsOf<typeof tritonFields>): Record<string, number> => (service.inputs ? { infer: 1 } : { generate_stream: 1 });

/**
 * Triton Inference Server: the generate extension (`generate`, `generate_stream`) for
 * LLMs, and KServe v2 `infer` with tensors described in the recipe for other models.
 */
export const tritonDefinition: BackendDefinition<typeof tritonFields> = {
  serviceTypes: ['triton'],
  isDefault: true,
  description: 'Triton: generate / generate_stream (LLM) and KServe v2 infer (tensors from the recipe)',
  fields: tritonFields,
  operations: ['generate_stream', 'generate', 'infer'],
  defaultMix: { generate_stream: 1 },
  ...llmDefinitionParts({ chat: [], defaultMix: mixOf }),
  load: () => import('./adapter.js'),
  server: tritonServer,
  // Triton serves its metrics on a port of its own, 8002 unless started with --metrics-port.
  serverMetrics: (service) =>
    llmMetricsSource(
      service,
      (base) => `${base.protocol}//${base.hostname}:8002/metrics`, // hostname keeps an IPv6 address's brackets
      tritonServerReader(service.model ?? 'ensemble', service.model_version),
    ),
};
