import { createHash } from 'node:crypto';

/** A statement with the name it is prepared under (one per text, per connection). */
export interface Statement {
  name: string;
  text: string;
}

/** PostgreSQL truncates identifiers beyond 63 bytes; we never let it. */
const MAX_IDENT = 63;

function sanitize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The table a run owns: `<table_name or aifb_<service>>_<benchmark id>`, lower case,
 * letters, digits and _ only, at most 63 bytes (a hash keeps long names distinct).
 */
export function ownedTableName(serviceName: string, benchmarkId: string, tableName?: string): string {
  let base = sanitize(tableName ?? `aifb_${serviceName}`) || 'aifb';
  if (!/^[a-z_]/.test(base)) base = `t_${base}`;
  const id = sanitize(benchmarkId) || 'run';
  const full = `${base}_${id}`;
  if (full.length <= MAX_IDENT) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const keep = MAX_IDENT - hash.length - 1;
  return `${full.slice(0, keep).replace(/_+$/, '')}_${hash}`;
}

/** A double-quoted identifier, so no name can be read as SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Every statement the built-in operations use, for one table. */
export function statementsFor(table: string) {
  const t = quoteIdent(table);
  return {
    create: `CREATE TABLE ${t} (id bigint PRIMARY KEY, balance bigint NOT NULL DEFAULT 0, payload text)`,
    drop: `DROP TABLE IF EXISTS ${t}`,
    analyze: `VACUUM ANALYZE ${t}`,
    select: { name: 'aifb_select', text: `SELECT id, balance, payload FROM ${t} WHERE id = $1` },
    selectForUpdate: { name: 'aifb_select_fu', text: `SELECT id, balance, payload FROM ${t} WHERE id = $1 FOR UPDATE` },
    insert: { name: 'aifb_insert', text: `INSERT INTO ${t} (id, balance, payload) VALUES ($1, 0, $2)` },
    update: { name: 'aifb_update', text: `UPDATE ${t} SET balance = balance + 1, payload = $2 WHERE id = $1` },
    delete: { name: 'aifb_delete', text: `DELETE FROM ${t} WHERE id = $1` },
    /** One statement for any number of rows: arrays of keys and payloads. */
    insertMany: { name: 'aifb_insert_many', text: `INSERT INTO ${t} (id, payload) SELECT * FROM unnest($1::bigint[], $2::text[])` },
    addBalance: { name: 'aifb_add_balance', text: `UPDATE ${t} SET balance = balance + $2 WHERE id = $1` },
    balance: { name: 'aifb_balance', text: `SELECT balance FROM ${t} WHERE id = $1` },
    history: { name: 'aifb_history', text: `INSERT INTO ${t} (id, balance) VALUES ($1, $2)` },
  } satisfies Record<string, string | Statement>;
}

export type Statements = ReturnType<typeof statementsFor>;

/** A user query's text with `{table}` replaced by the owned table's quoted name. */
export function userStatement(name: string, sql: string, table: string): Statement {
  return { name: `aifb_q_${name}`, text: sql.replaceAll('{table}', quoteIdent(table)) };
}
