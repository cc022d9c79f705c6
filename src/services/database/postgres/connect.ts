import { userInfo } from 'node:os';
import type { PoolConfig } from 'pg';
import type { Endpoint } from '../sql/errors.js';
import type { CommonFields, FieldsOf } from '../../fields.js';
import type { postgresFields } from '../sql/fields.js';

export interface PgTarget {
  config: PoolConfig;
  endpoint: Endpoint;
  secret: string | undefined;
}

/** Extra time for the driver's own timer, so the engine's per-request timeout decides first. */
const TIMER_GRACE_MS = 1000;

function sslOf(mode: FieldsOf<typeof postgresFields>['sslmode']): PoolConfig['ssl'] {
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-full') return { rejectUnauthorized: true };
  return false;
}

/**
 * Where and as whom to connect, falling back like libpq does (PGHOST, PGPORT, PGUSER,
 * PGDATABASE, PGPASSWORD, then localhost:5432 and the login name); pgvector's too.
 */
export function pgLoginOf(fields: CommonFields, env = process.env) {
  const host = fields.host || env.PGHOST || 'localhost';
  const port = typeof fields.port === 'number' ? fields.port : Number(env.PGPORT ?? '') || 5432;
  const user = fields.user || env.PGUSER || userInfo().username;
  return { host, port, user, database: fields.database || env.PGDATABASE || user, password: fields.password ?? env.PGPASSWORD };
}

/** Connection settings from the recipe (pgLoginOf), the pool sized and timed for the run. */
export function pgTargetOf(fields: FieldsOf<typeof postgresFields>, poolSize: number, timeoutMs: number, env = process.env): PgTarget {
  const { host, port, user, database, password } = pgLoginOf(fields, env);
  const where = host.startsWith('/') ? `${host} (socket, port ${port})` : `${host}:${port}`;
  return {
    config: {
      host,
      port,
      user,
      database,
      password,
      max: poolSize,
      // Idle connections stay open: closing them would put reconnects inside the timed window.
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs + TIMER_GRACE_MS,
      ssl: sslOf(fields.sslmode),
      application_name: 'aifb',
      keepAlive: true,
    },
    endpoint: { where, user, database },
    secret: password,
  };
}
