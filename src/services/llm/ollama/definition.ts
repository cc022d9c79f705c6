import type { BackendDefinition } from '../../contract.js';
import type { FieldsOf } from '../../fields.js';
import { ollamaServer } from './server.js';
import { ollamaFields } from '../common/fields.js';
import { llmDefinitionParts } from '../common/check.js';

const mixOf = (service: FieldsOf<typeof ollamaFields>) => ({ [service.api ?? 'generate']: 1 });

/** Ollama's native API: `/api/generate` and `/api/chat`, streamed as NDJSON. */
export const ollamaDefinition: BackendDefinition<typeof ollamaFields> = {
  serviceTypes: ['ollama'],
  isDefault: true,
  description: 'Ollama /api/generate and /api/chat (NDJSON streaming, with the server\'s own eval timings)',
  fields: ollamaFields,
  operations: ['generate', 'chat'],
  defaultMix: { generate: 1 },
  ...llmDefinitionParts({ chat: ['chat'], defaultMix: mixOf }),
  load: () => import('./adapter.js'),
  server: ollamaServer,
};
