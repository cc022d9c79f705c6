import type { OperationResult } from '../../contract.js';
import type { Statement } from './statements.js';
import { failureOf } from './errors.js';
import { SQL_MSG } from './messages.js';

/** Rows as arrays (cheaper than objects) and the count the server reported (null: none). */
export interface Rows {
  rows: unknown[][];
  rowCount: number | null;
}

export type Query = (st: Statement, values: unknown[]) => Promise<Rows>;

/** What each SQL backend provides: prepared queries, transactions and plain DDL. */
export interface SqlSession {
  query: Query;
  /** Runs fn on one connection between BEGIN and COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /** A statement without parameters or result (DDL), run as written. */
  exec(text: string): Promise<void>;
}

export interface Step {
  st: Statement;
  values: unknown[];
}

/** A prepared operation: everything decided before the timed window. */
export interface SqlOp {
  operation: string;
  steps: Step[];
  tx: boolean;
  /** The first step names one row (select, update, delete by key): none found is not_found. */
  expectRow: boolean;
  bytesOut: number;
  /** Keys to count as present once the operation committed. */
  inserts?: number[];
  /** The key a delete claimed (given back if the delete failed). */
  deletes?: number;
  /** No row could be drawn (all deleted): fails as not_found without a round trip. */
  missing?: boolean;
}

/** Bytes a value takes on the wire, near enough for throughput figures. */
export function sizeOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return Buffer.byteLength(v);
  // Values travel as text in PostgreSQL's protocol, so a number costs its digits.
  if (typeof v === 'number') return Number.isSafeInteger(v) ? digitsOf(v) : String(v).length;
  if (typeof v === 'bigint') return String(v).length;
  if (typeof v === 'boolean') return 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Date) return 8;
  if (Array.isArray(v)) {
    let n = 0;
    for (const x of v) n += sizeOf(x);
    return n;
  }
  return Buffer.byteLength(JSON.stringify(v));
}

/** The characters of an integer in decimal, without making its text (a string per value read was garbage at every answer). */
function digitsOf(n: number): number {
  let d = n < 0 ? 2 : 1;
  for (let a = Math.abs(n); a >= 10; a = Math.floor(a / 10)) d++;
  return d;
}

interface StepsOut {
  rows: number;
  first: number;
  bytesIn: number;
}

/** The rows of one answer: how many, and their bytes. */
function countRows(r: Rows): { n: number; bytes: number } {
  const n = r.rows.length > 0 ? r.rows.length : (r.rowCount ?? 0);
  let bytes = 0;
  for (const row of r.rows) for (const v of row) bytes += sizeOf(v);
  return { n, bytes };
}

async function runSteps(q: Query, steps: Step[]): Promise<StepsOut> {
  let rows = 0;
  let first = -1;
  let bytesIn = 0;
  for (const s of steps) {
    const { n, bytes } = countRows(await q(s.st, s.values));
    if (first < 0) first = n;
    rows += n;
    bytesIn += bytes;
  }
  return { rows, first, bytesIn };
}

/** One statement outside a transaction (select, update, insert by key): no loop, no extra promise. */
function runOne(q: Query, step: Step): Promise<StepsOut> {
  return q(step.st, step.values).then((r) => {
    const { n, bytes } = countRows(r);
    return { rows: n, first: n, bytesIn: bytes };
  });
}

// The `extra` of a result, one frozen object per small row count: a new object per operation,
// and its JSON text in the store, were garbage at tens of thousands of operations a second.
const ROWS_EXTRA = Array.from({ length: 64 }, (_, rows) => Object.freeze({ rows }));
const rowsExtra = (rows: number): Record<string, unknown> => ROWS_EXTRA[rows] ?? { rows };

/** Performs one prepared operation; SQL errors the engine cannot sort come back classified. */
export async function runOp(session: SqlSession, op: SqlOp, secret: string | undefined): Promise<OperationResult> {
  if (op.missing) {
    return { ok: false, status: 'not_found', errorClass: 'not_found', message: SQL_MSG.noKey(op.operation), bytesIn: 0, bytesOut: 0 };
  }
  let out: StepsOut;
  try {
    if (op.tx) out = await session.transaction((q) => runSteps(q, op.steps));
    else out = op.steps.length === 1 ? await runOne(session.query, op.steps[0]!) : await runSteps(session.query, op.steps);
  } catch (err) {
    return { ...failureOf(err, secret), bytesIn: 0, bytesOut: op.bytesOut };
  }
  if (op.expectRow && out.first === 0) {
    const message = `${op.operation}: no row with key ${String(op.steps[0]?.values[0])}`;
    return { ok: false, status: 'not_found', errorClass: 'not_found', message, bytesIn: out.bytesIn, bytesOut: op.bytesOut, extra: rowsExtra(0) };
  }
  return { ok: true, status: 'ok', bytesIn: out.bytesIn, bytesOut: op.bytesOut, extra: rowsExtra(out.rows) };
}
