import { userInfo } from 'node:os';
import type { PoolConfig } from 'pg';
import type { Endpoint } from '../sql/errors.js';

export interface PgTarget {
  config: PoolConfig;
  endpoint: Endpoint;
  secret: string | undefined;
}

/** Extra time for the driver's own timer, so the engine's per-request timeout decides first. */
const TIMER_GRACE_MS = 1000;

function sslOf(mode: unknown): PoolConfig['ssl'] {
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-full') return { rejectUnauthorized: true };
  return false;
}

/**
 * Connection settings from the recipe, falling back like libpq does (PGHOST, PGPORT,
 * PGUSER, PGDATABASE, PGPASSWORD, then localhost:5432 and the login name).
 */
export function pgTargetOf(fields: Readonly<Record<string, unknown>>, poolSize: number, timeoutMs: number, env = process.env): PgTarget {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const host = str(fields.host) ?? str(env.PGHOST) ?? 'localhost';
  const port = typeof fields.port === 'number' ? fields.port : Number(env.PGPORT ?? '') || 5432;
  const user = str(fields.user) ?? str(env.PGUSER) ?? userInfo().username;
  const database = str(fields.database) ?? str(env.PGDATABASE) ?? user;
  const password = typeof fields.password === 'string' ? fields.password : env.PGPASSWORD;
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
