import type { BackendDefinition } from '../../contract.js';
import { weaviateServer } from './server.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, VECTOR_METRICS, weaviateFields, vectorOperationParams, vectorOperationsFor } from '../common/fields.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';
const HNSW_ONLY = ['ef_construction', 'ef_search', 'max_neighbors'] as const;

/**
 * Weaviate over REST (schema, batch import, objects) and GraphQL nearVector, tested
 * against a live weaviate-server (docs/real-servers-storage.md) and a fixture that
 * answers like it.
 */
export const weaviateDefinition: BackendDefinition<typeof weaviateFields> = {
  serviceTypes: ['vectordb'],
  backend: 'weaviate',
  description: 'Weaviate (REST batch import; GraphQL or gRPC nearVector; HNSW or flat class)',
  fields: weaviateFields,
  operations: BASE_OPERATIONS,
  defaultMix: DEFAULT_VECTOR_MIX,
  operationsFor: vectorOperationsFor(BASE_OPERATIONS),
  check: (service) => {
    const index = service.index === 'flat' ? 'flat' : 'hnsw';
    const out = checkVectorFields(service, index === 'hnsw' ? ['ef_search'] : [], `weaviate index ${index}`);
    if (index === 'flat') {
      for (const key of HNSW_ONLY) if (service[key] !== undefined) out.push({ path: [key], message: `${key} applies to index: hnsw, not flat` });
    }
    const url = baseUrlText(service, 8080);
    if (url !== undefined && !parseHttpUrl(url)) out.push({ path: [typeof service.url === 'string' ? 'url' : 'service_url'], message: `"${url}" is not an http(s) URL` });
    return out;
  },
  metrics: VECTOR_METRICS,
  operationParams: vectorOperationParams,
  load: () => import('./adapter.js'),
  server: weaviateServer,
};
