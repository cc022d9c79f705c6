import { z } from 'zod';
import type { BackendDefinition } from '../../contract.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, vectorFields, vectorOperationsFor } from '../common/fields.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';

/**
 * Weaviate over REST (schema, batch import) and GraphQL nearVector. Written against the
 * documented API and tested against a fixture that checks those shapes: NOT verified
 * against a live Weaviate server (docs/vectordb.md).
 */
export const weaviateDefinition: BackendDefinition = {
  serviceTypes: ['vectordb'],
  backend: 'weaviate',
  description: 'Weaviate (REST batch import + GraphQL nearVector; HNSW class); not verified against a live server',
  fields: {
    ...vectorFields,
    url: z.string().optional(),
    api_key: z.string().optional(),
    ef_construction: z.int().min(4).max(100_000).optional(),
    ef_search: z.int().min(1).max(100_000).optional(),
    max_neighbors: z.int().min(2).max(10_000).optional(),
  },
  operations: BASE_OPERATIONS,
  defaultMix: DEFAULT_VECTOR_MIX,
  operationsFor: vectorOperationsFor(BASE_OPERATIONS),
  check: (service) => {
    const out = checkVectorFields(service, ['ef_search'], 'weaviate');
    const url = baseUrlText(service, 8080);
    if (url !== undefined && !parseHttpUrl(url)) out.push({ path: [typeof service.url === 'string' ? 'url' : 'service_url'], message: `"${url}" is not an http(s) URL` });
    return out;
  },
  load: () => import('./adapter.js'),
};
