import type { BackendDefinition } from '../../contract.js';
import { pgliteFields, sqlDefinitionCommon } from '../sql/fields.js';

/**
 * PostgreSQL compiled to WebAssembly and run inside the aifb process (PGlite): the
 * same workload as `postgres` with nothing to install. One connection, so requests
 * queue one behind the other; in memory unless `data_dir` is set.
 */
export const pgliteDefinition: BackendDefinition<typeof pgliteFields> = {
  serviceTypes: ['postgresql', 'database'],
  backend: 'pglite',
  description: 'PostgreSQL embedded in the process (PGlite, in memory or in data_dir); same operations as postgres',
  fields: pgliteFields,
  ...sqlDefinitionCommon,
  metrics: [],
  load: () => import('./adapter.js'),
};
