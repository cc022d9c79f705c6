import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startPgliteThread, type PgliteQueries, type PgliteThread } from '../../shared/pglite/thread.js';
import type { Adapter, SetupContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { pgliteFields } from '../sql/fields.js';
import { RunError } from '../../../errors.js';
import { SqlAdapter, type SqlDriver } from '../sql/adapter-base.js';
import type { Query, Rows, SqlSession } from '../sql/execute.js';

function queryOn(db: PgliteQueries): Query {
  return async (st, values): Promise<Rows> => {
    const r = await db.query(st.text, values);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
}

/**
 * PGlite: one embedded connection, on a thread of its own (services/shared/pglite), so the
 * load's thread only waits for answers; PGlite itself queues queries and transactions.
 */
class PgliteDriver implements SqlDriver {
  readonly loadConcurrency = 1;
  readonly secret = undefined;
  private db: PgliteThread | undefined;

  constructor(private readonly dataDir: string | undefined) {}

  async open(ctx: SetupContext): Promise<SqlSession> {
    try {
      if (this.dataDir) await mkdir(this.dataDir, { recursive: true });
      this.db = await startPgliteThread({ dataDir: this.dataDir, extensions: [] });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new RunError(`cannot start PGlite${this.dataDir ? ` in ${this.dataDir}` : ''}: ${why}`, { cause: err });
    }
    ctx.log.debug(`PGlite started ${this.dataDir ? `in ${this.dataDir}` : 'in memory'}`);
    const db = this.db;
    return {
      query: queryOn(db),
      transaction: (fn) => db.transaction((tx) => fn(queryOn(tx))),
      exec: async (text) => void (await db.exec(text)),
    };
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }
}

/** The PGlite adapter for one service; `loadPhase` holds the initial load's figures after setup. */
export function createAdapter(spec: ServiceOf<typeof pgliteFields>): Adapter & Pick<SqlAdapter, 'loadPhase' | 'table'> {
  const dir = spec.fields.data_dir;
  return new SqlAdapter(spec, new PgliteDriver(dir !== undefined ? resolve(dir) : undefined));
}
