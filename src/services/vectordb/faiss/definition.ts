import type { BackendDefinition } from '../../contract.js';
import type { FieldsOf } from '../../fields.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, VECTOR_METRICS, faissFields, vectorOperationParams, vectorOperationsFor } from '../common/fields.js';

/** Faiss keeps no metadata, so it has no filtered search. */
const FAISS_OPERATIONS = BASE_OPERATIONS.filter((op) => op !== 'search_filtered');

function check(service: FieldsOf<typeof faissFields>) {
  const factory = service.index_factory;
  const knobs: ('ef_search' | 'nprobe')[] = [];
  if (/IVF/.test(factory)) knobs.push('nprobe');
  if (/HNSW/.test(factory)) knobs.push('ef_search');
  const out = checkVectorFields(service, knobs, `faiss index "${factory}"`);
  if (service.nprobe !== undefined && !knobs.includes('nprobe')) out.push({ path: ['nprobe'], message: `nprobe applies to IVF indexes; "${factory}" has none` });
  if (service.ef_search !== undefined && !knobs.includes('ef_search')) out.push({ path: ['ef_search'], message: `ef_search applies to HNSW indexes; "${factory}" has none` });
  return out;
}

/**
 * Faiss in a Python worker process (Debian's python3-faiss, or the user's faiss/faiss-gpu
 * on a cluster), driven over a binary protocol on stdio. Any index_factory string.
 */
export const faissDefinition: BackendDefinition<typeof faissFields> = {
  serviceTypes: ['vectordb'],
  backend: 'faiss',
  description: 'Faiss (index_factory: Flat, IVF…,Flat, IVF…,PQ…, HNSW…) in a Python worker; CPU or GPU',
  fields: faissFields,
  operations: FAISS_OPERATIONS,
  defaultMix: DEFAULT_VECTOR_MIX,
  operationsFor: vectorOperationsFor(FAISS_OPERATIONS),
  check,
  metrics: VECTOR_METRICS,
  operationParams: vectorOperationParams,
  load: () => import('./adapter.js'),
};
