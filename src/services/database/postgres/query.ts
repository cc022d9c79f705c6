import pg from 'pg';
import type { Rows } from '../sql/execute.js';
import type { Statement } from '../sql/statements.js';

/** The parts of node-postgres' Query (8.x) that its constructor sets from a config object. */
interface QueryFields {
  name: string | undefined;
  _rowMode: string | undefined;
  _result: pg.Result;
  /** The answer the callback gets: the same object as `_result` for a single statement. */
  _results: pg.Result;
}

/** What a named query calls back with: node-postgres' result, whose `rows` are arrays. */
export type QueryDone = (err: Error | null | undefined, result: Rows) => void;

/**
 * A node-postgres Query for a named (prepared) statement, rows as arrays, answered through
 * `done`. Given a config object, node-postgres copies it on every call (utils.js
 * cloneQueryConfig: property descriptors, ~1.7 µs, a twelfth of a select-only
 * transaction's client CPU here) and wraps the answer in two promises; given the text, it
 * copies nothing, so the name and the row mode are set after construction, as its own
 * constructor sets them. The types hold only for the node-postgres package.json pins.
 */
export function namedQuery(st: Statement, values: unknown[], done: QueryDone): pg.Query {
  const q = new pg.Query(st.text, values, done as never);
  const f = q as unknown as QueryFields;
  f.name = st.name;
  f._rowMode = 'array';
  f._result = f._results = new pg.Result('array', undefined as never);
  return q;
}

/** Runs a named statement on one connection: one promise, no copy of its config (namedQuery). */
export function runNamed(client: pg.ClientBase, st: Statement, values: unknown[]): Promise<Rows> {
  return new Promise((resolve, reject) => {
    client.query(namedQuery(st, values, (err, r) => (err ? reject(err) : resolve(r))));
  });
}
