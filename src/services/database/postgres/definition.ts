import { z } from 'zod';
import type { BackendDefinition } from '../../contract.js';
import { postgresServer } from './server.js';
import { sqlDefinitionCommon, sqlFields } from '../sql/fields.js';

/** How the client uses TLS: off, on without checking the certificate, or on and verified. */
export const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/**
 * PostgreSQL over the network (node-postgres pool, prepared statements). The run
 * creates, loads and drops its own table; see examples/postgres.yaml for every key.
 */
export const postgresDefinition: BackendDefinition = {
  serviceTypes: ['postgresql', 'database'],
  backend: 'postgres',
  isDefault: true,
  // The seed's name for it (its database client's default backend).
  aliases: ['postgresql'],
  description: 'PostgreSQL (select/insert/update/delete/batch_insert, YCSB and pgbench-like presets, your own SQL)',
  fields: {
    ...sqlFields,
    pool_size: z.int().min(1).optional(),
    sslmode: z.enum(SSL_MODES).optional(),
  },
  ...sqlDefinitionCommon,
  metrics: [],
  load: () => import('./adapter.js'),
  server: postgresServer,
};
