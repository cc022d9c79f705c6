import { z } from 'zod';
import type { BackendDefinition } from '../../contract.js';
import { weaviateServer } from './server.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, VECTOR_METRICS, vectorFields, vectorOperationParams, vectorOperationsFor } from '../common/fields.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';

/** Weaviate's vectorIndexType values aifb creates: `flat` searches exhaustively (exact). */
export const WEAVIATE_INDEXES = ['hnsw', 'flat'] as const;
const HNSW_ONLY = ['ef_construction', 'ef_search', 'max_neighbors'] as const;

/**
 * Weaviate over REST (schema, batch import, objects) and GraphQL nearVector, tested
 * against a live weaviate-server (docs/real-servers-storage.md) and a fixture that
 * answers like it.
 */
export const weaviateDefinition: BackendDefinition = {
  serviceTypes: ['vectordb'],
  backend: 'weaviate',
  description: 'Weaviate (REST batch import; GraphQL or gRPC nearVector; HNSW or flat class)',
  fields: {
    ...vectorFields,
    url: z.string().optional(),
    api_key: z.string().optional(),
    index: z.enum(WEAVIATE_INDEXES).optional(),
    /** How searches go: REST GraphQL (default) or gRPC through weaviate-client. */
    protocol: z.enum(['rest', 'grpc']).optional(),
    grpc_port: z.int().min(1).max(65535).optional(),
    ef_construction: z.int().min(4).max(100_000).optional(),
    ef_search: z.int().min(1).max(100_000).optional(),
    max_neighbors: z.int().min(2).max(10_000).optional(),
  },
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
