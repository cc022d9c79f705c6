import type { BackendDefinition } from '../../contract.js';
import type { FieldsOf } from '../../fields.js';
import { ollamaServer } from './server.js';
import { ollamaFields } from '../common/fields.js';
import { LLM_METRICS, LLM_TALLIES } from '../common/metrics.js';
import { checkLlmFields } from '../common/check.js';

const mixOf = (service: FieldsOf<typeof ollamaFields>) => ({ [service.api ?? 'generate']: 1 });

/** Ollama's native API: `/api/generate` and `/api/chat`, streamed as NDJSON. */
export const ollamaDefinition: BackendDefinition<typeof ollamaFields> = {
  serviceTypes: ['ollama'],
  isDefault: true,
  description: 'Ollama /api/generate and /api/chat (NDJSON streaming, with the server\'s own eval timings)',
  fields: ollamaFields,
  operations: ['generate', 'chat'],
  defaultMix: { generate: 1 },
  defaultMixFor: mixOf,
  check: (service) => checkLlmFields(service, { chat: ['chat'], defaultMix: mixOf }),
  metrics: LLM_METRICS,
  tallies: LLM_TALLIES,
  load: () => import('./adapter.js'),
  server: ollamaServer,
};
