import type { BackendDefinition } from '../../contract.js';
import { weaviateServer } from './server.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, VECTOR_METRICS, weaviateFields, urlProblems, vectorOperationParams, vectorOperationsFor } from '../common/fields.js';
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
    const index = service.index ?? 'hnsw';
    const out = checkVectorFields(service, index === 'hnsw' ? ['ef_search'] : [], `weaviate index ${index}`);
    if (index === 'flat') {
      for (const key of HNSW_ONLY) if (service[key] !== undefined) out.push({ path: [key], message: `${key} applies to index: hnsw, not flat` });
    }
    return [...out, ...urlProblems(service, 8080)];
  },
  metrics: VECTOR_METRICS,
  operationParams: vectorOperationParams,
  load: () => import('./adapter.js'),
  server: weaviateServer,
};
