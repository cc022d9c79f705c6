import type { BackendDefinition } from '../../contract.js';
import type { FieldsOf } from '../../fields.js';
import { openaiServer } from './server.js';
import { openaiFields } from '../common/fields.js';
import { llmDefinitionParts } from '../common/check.js';
import { llmMetricsSource } from '../common/server-metrics.js';
import { openaiServerReader } from './server-metrics.js';

const mixOf = (service: FieldsOf<typeof openaiFields>) => ({ [service.api ?? 'completions']: 1 });

/**
 * Any OpenAI-compatible server (vLLM, llama.cpp server, SGLang, TGI, Ollama's /v1):
 * `/v1/completions` or `/v1/chat/completions`, streamed with usage.
 */
export const openaiDefinition: BackendDefinition<typeof openaiFields> = {
  serviceTypes: ['openai', 'vllm'],
  isDefault: true,
  description: 'OpenAI-compatible completions/chat, streamed (vLLM, llama.cpp, SGLang, TGI, Ollama /v1)',
  fields: openaiFields,
  operations: ['completions', 'chat'],
  defaultMix: { completions: 1 },
  ...llmDefinitionParts({ chat: ['chat'], defaultMix: mixOf }),
  load: () => import('./adapter.js'),
  server: openaiServer,
  // vLLM and llama.cpp (with --metrics) serve /metrics on the API's own port.
  serverMetrics: (service) =>
    llmMetricsSource(service, (base) => new URL('/metrics', base).toString(), openaiServerReader(service.model)),
};
