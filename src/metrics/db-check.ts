import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { AifbError } from '../errors.js';
import { CLIENT_LOAD_SQL } from './client-load.js';
import { SERVER_METRICS_SQL } from './server-metrics.js';
import { SCHEMA_SQL } from './schema-sql.js';

/** Tables aifb makes, with a column only aifb's version of each has. */
const OURS: Record<string, string> = { runs: 'benchmark_id', services: 'benchmark_id', metrics: 'benchmark_id' };
/**
 * Every other table aifb may have made, read off the schema it creates (so a new table is
 * never taken for someone else's), plus the merge's `shards` (launch/merge.ts, a layer
 * above) and SQLite's own.
 */
const ALSO_OURS = new Set([
  ...[...`${SCHEMA_SQL}${CLIENT_LOAD_SQL}${SERVER_METRICS_SQL}`.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]!),
  'shards',
  'sqlite_sequence',
  'sqlite_stat1',
]);

/**
 * Refuses, before anything writes to it, a metrics_db that is not a regular file
 * (`/dev/null`, a FIFO, a directory: SQLite would leave a `-journal` beside it) or a
 * SQLite file of someone else's (aifb would switch it to WAL and add its tables).
 * The file is only read, and only when it exists.
 */
export function checkMetricsDbPath(path: string): void {
  if (path === ':memory:') return;
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new AifbError('bad-input', `metrics_db ${path} cannot be used: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) throw new AifbError('bad-input', `metrics_db ${path} is not a regular file (${st.isDirectory() ? 'a directory' : 'a device, FIFO or socket'}); name a file for the metrics database`);
  if (st.size === 0) return;
  const problem = foreignTables(path);
  if (problem) throw new AifbError('bad-input', `metrics_db ${path} ${problem}; aifb changes nothing in it (name another file)`);
}

/** Why the file is not an aifb metrics database, or undefined when it is one (or empty). */
export function foreignTables(path: string): string | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    if (tables.length === 0) return undefined;
    const strange = tables.filter((t) => !(t in OURS) && !ALSO_OURS.has(t));
    const wrong = Object.entries(OURS).filter(([t, col]) => tables.includes(t) && !(db!.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).some((c) => c.name === col));
    if (!tables.includes('runs') || strange.length > 0 || wrong.length > 0) {
      const shown = [...new Set([...wrong.map(([t]) => t), ...strange])].slice(0, 5).join(', ') || tables.slice(0, 5).join(', ');
      return `is a SQLite database of something else, not an aifb metrics database (tables: ${shown})`;
    }
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') return 'is not a SQLite database';
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'is locked by another process';
    return `cannot be read (${(err as Error).message})`;
  } finally {
    db?.close();
  }
}
