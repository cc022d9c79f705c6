import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AifbError, RunError } from '../../../errors.js';
import type { CommonFields } from '../../fields.js';
import { pgLoginOf } from '../../database/postgres/connect.js';

/** One way to talk to PostgreSQL with pgvector: embedded PGlite or a server through `pg`. */
export interface PgConn {
  /** Rows as arrays. */
  query(text: string, values?: unknown[]): Promise<unknown[][]>;
  /** One query inside a transaction that first applies `SET LOCAL name = value` for each setting. */
  querySet(settings: [string, number][], text: string, values?: unknown[]): Promise<unknown[][]>;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
  readonly describe: string;
}

const setLocal = (settings: [string, number][]) => settings.map(([k, v]) => `SET LOCAL ${k} = ${Math.trunc(v)}`).join('; ');

/**
 * PGlite with the pgvector extension (the `@electric-sql/pglite-pgvector` package: PGlite
 * 0.5 no longer ships it inside). One connection, on its own thread of the aifb process; in memory unless
 * data_dir is given.
 */
export async function openPglite(dataDir: string | undefined): Promise<PgConn> {
  const { startPgliteThread } = await import('../../shared/pglite/thread.js');
  const dir = dataDir ? resolve(dataDir) : undefined;
  if (dir) await mkdir(dir, { recursive: true });
  // On a thread of its own: its searches compute there, not on the load's thread.
  const db = await startPgliteThread({ dataDir: dir, extensions: ['vector'] });
  const query = async (text: string, values?: unknown[]) => (await db.query(text, values)).rows;
  return {
    query,
    querySet: (settings, text, values) =>
      settings.length === 0
        ? query(text, values)
        : db.transaction(async (tx) => {
            await tx.exec(setLocal(settings));
            return (await tx.query(text, values)).rows;
          }),
    exec: async (text) => void (await db.exec(text)),
    close: () => db.close(),
    describe: `PGlite ${dir ? `in ${dir}` : 'in memory'}`,
  };
}

/** A PostgreSQL server with pgvector installed, through a `pg` pool sized to the load's concurrency. */
export async function openPostgres(fields: CommonFields, poolSize: number, timeoutMs: number): Promise<PgConn> {
  const pg = (await import('pg')).default;
  const { host, port, user, database, password } = pgLoginOf(fields);
  const pool = new pg.Pool({ host, port, user, database, password, max: poolSize, idleTimeoutMillis: 0, connectionTimeoutMillis: timeoutMs, application_name: 'aifb' });
  pool.on('error', () => undefined); // an idle client's error surfaces on its next query
  const where = `${user}@${host}:${port}/${database}`;
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const msg = (err as Error).message.split(password ?? '\u0000').join('***');
    throw new AifbError('bad-input', `pgvector: cannot connect to ${where}: ${msg}`, { cause: err });
  }
  const query = async (text: string, values?: unknown[]) => (await pool.query({ text, values: values ?? [], rowMode: 'array' })).rows as unknown[][];
  return {
    query,
    querySet: async (settings, text, values) => {
      if (settings.length === 0) return query(text, values);
      const client = await pool.connect();
      try {
        await client.query(`BEGIN; ${setLocal(settings)}`);
        const r = await client.query({ text, values: values ?? [], rowMode: 'array' });
        await client.query('COMMIT');
        return r.rows as unknown[][];
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    exec: async (text) => void (await pool.query(text)),
    close: () => pool.end(),
    describe: `PostgreSQL ${where}`,
  };
}

/** CREATE EXTENSION vector, with the reason spelled out when the server has no pgvector. */
export async function ensureVector(conn: PgConn): Promise<string> {
  try {
    await conn.exec('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (err) {
    throw new RunError(
      `pgvector: the vector extension is not available on ${conn.describe} (${(err as Error).message}); ` +
        'install pgvector on the server (e.g. postgresql-16-pgvector) or use the embedded PGlite (leave host unset)',
      { cause: err },
    );
  }
  const rows = await conn.query(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
  return String(rows[0]?.[0] ?? '?');
}
