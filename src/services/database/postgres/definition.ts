import type { BackendDefinition } from '../../contract.js';
import { postgresServer } from './server.js';
import { postgresFields, sqlDefinitionCommon } from '../sql/fields.js';

/**
 * PostgreSQL over the network (node-postgres pool, prepared statements). The run
 * creates, loads and drops its own table; see examples/postgres.yaml for every key.
 */
export const postgresDefinition: BackendDefinition<typeof postgresFields> = {
  serviceTypes: ['postgresql', 'database'],
  backend: 'postgres',
  isDefault: true,
  // The seed's name for it (its database client's default backend).
  aliases: ['postgresql'],
  description: 'PostgreSQL (select/insert/update/delete/batch_insert, YCSB and pgbench-like presets, your own SQL)',
  fields: postgresFields,
  ...sqlDefinitionCommon,
  metrics: [],
  load: () => import('./adapter.js'),
  server: postgresServer,
};
