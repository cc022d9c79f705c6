import type { BackendDefinition } from '../../contract.js';
import type { FieldsOf } from '../../fields.js';
import { BASE_OPERATIONS, DEFAULT_VECTOR_MIX, checkVectorFields, VECTOR_METRICS, pgvectorFields, vectorOperationParams, vectorOperationsFor } from '../common/fields.js';

function check(service: FieldsOf<typeof pgvectorFields>) {
  const index = service.index;
  const knobs = index === 'hnsw' ? (['ef_search'] as const) : index === 'ivfflat' ? (['nprobe'] as const) : ([] as const);
  const out = checkVectorFields(service, knobs, `pgvector index ${index}`);
  const only: Record<string, string> = { ef_search: 'hnsw', ef_construction: 'hnsw', max_neighbors: 'hnsw', lists: 'ivfflat', nprobe: 'ivfflat' };
  for (const [key, kind] of Object.entries(only)) {
    if (service[key] !== undefined && kind !== index) out.push({ path: [key], message: `${key} applies to index: ${kind}, not ${index}` });
  }
  if (service.driver === 'pglite' && service.host !== undefined) out.push({ path: ['host'], message: 'driver pglite runs inside aifb; host applies to driver postgres' });
  return out;
}

/**
 * pgvector: embedded in PGlite (the default, nothing to install) or on a PostgreSQL server
 * that has the extension (driver postgres, or whenever host is set). Index hnsw (m,
 * ef_construction; hnsw.ef_search), ivfflat (lists; ivfflat.probes) or none (exact scan).
 */
export const pgvectorDefinition: BackendDefinition<typeof pgvectorFields> = {
  serviceTypes: ['vectordb'],
  backend: 'pgvector',
  description: 'pgvector in PGlite (embedded) or PostgreSQL: hnsw, ivfflat or exact scan',
  fields: pgvectorFields,
  operations: BASE_OPERATIONS,
  defaultMix: DEFAULT_VECTOR_MIX,
  operationsFor: vectorOperationsFor(BASE_OPERATIONS),
  check,
  metrics: VECTOR_METRICS,
  operationParams: vectorOperationParams,
  load: () => import('./adapter.js'),
};
