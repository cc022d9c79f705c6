import type { BackendDefinition } from '../../contract.js';
import { chromaServer } from './server.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, VECTOR_METRICS, chromaFields, urlProblems, vectorOperationParams, vectorOperationsFor } from '../common/fields.js';

/**
 * ChromaDB 1.x over its v2 HTTP API (the chromadb JS client). The collection's HNSW index
 * takes space (from `distance`), ef_construction, ef_search and max_neighbors when it is
 * created. Chroma 1.0 accepts a later ef_search change (modify) but the loaded index keeps
 * searching with the old one (measured here), so there is no per-search sweep: an
 * ef_search sweep is one service per value (examples/vectordb-chromadb.yaml).
 */
export const chromaDefinition: BackendDefinition<typeof chromaFields> = {
  serviceTypes: ['vectordb'],
  backend: 'chromadb',
  isDefault: true,
  description: 'ChromaDB (v2 HTTP API): HNSW collection, recall against exact ground truth',
  fields: chromaFields,
  operations: BASE_OPERATIONS,
  defaultMix: DEFAULT_VECTOR_MIX,
  operationsFor: vectorOperationsFor(BASE_OPERATIONS),
  check: (service) => {
    const out = checkVectorFields({ ...service, search_params: [] }, [], 'chromadb');
    if (service.search_params.length > 0) {
      out.push({
        path: ['search_params'],
        message: 'chromadb applies ef_search only when it creates the collection (a later change does not reach the loaded index); sweep it with one service per ef_search value',
      });
    }
    return [...out, ...urlProblems(service, 8000)];
  },
  metrics: VECTOR_METRICS,
  operationParams: vectorOperationParams,
  load: () => import('./adapter.js'),
  server: chromaServer,
};
