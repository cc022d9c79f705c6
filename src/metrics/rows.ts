import type Database from 'better-sqlite3';
import type { Slo } from '../recipe/types.js';
import type { MetricDeclaration, TallyDeclaration } from './declaration.js';

/** The columns of a row as the store writes it, in order; report/accumulate.ts reads rows in this order too. */
export const ROW_COLUMNS = [
  'benchmark_id', 'timestamp', 'service_name', 'client_id', 'request_duration', 'success',
  'status_code', 'error_message', 'response_size', 'operation', 'intended_start', 'actual_start', 'service_time',
  'error_class', 'bytes_out', 'ttft', 'tpot', 'itl', 'input_tokens', 'output_tokens', 'tokens_estimated', 'extra',
] as const;

/** A `services` row as stored; windows are seconds from the run's start. */
export interface StoredServiceRow {
  service_name: string;
  service_type: string | null;
  backend: string | null;
  status: string;
  error: string | null;
  load: string | null;
  window_start: number | null;
  window_end: number | null;
  issue_end: number | null;
  scheduled: number;
  dropped: number;
  warmup_requests: number;
  cancelled: number;
  started_at?: string | null;
  ended_at?: string | null;
  load_phase?: string | null;
}

/** A service's stored load (orchestrator describeLoad): the profile asked for, its SLOs, what its backend declared. */
export type StoredLoad = Record<string, unknown> & { slo?: Slo; metrics?: MetricDeclaration[]; tallies?: TallyDeclaration[]; operation_params?: Record<string, Record<string, number>> };

/** The stored load of a service's row; empty without one. */
export function loadOf(row: Pick<StoredServiceRow, 'load'> | undefined): StoredLoad {
  return row?.load ? (JSON.parse(row.load) as StoredLoad) : {};
}

export const COLUMNS = ROW_COLUMNS.length;
/** The columns that hold text; the others hold numbers (or NULL, or a status that is text). */
export const TEXT_COLUMNS: ReadonlySet<(typeof ROW_COLUMNS)[number]> = new Set(['benchmark_id', 'service_name', 'error_message', 'operation', 'error_class', 'extra']);
export const ROWS_PER_STATEMENT = 32;
export const BLOCK_VALUES = COLUMNS * ROWS_PER_STATEMENT;

/** Up to ROWS_PER_STATEMENT rows, their values one after another, as one INSERT binds them. */
export type Block = unknown[];

const insertSql = (rows: number) =>
  `INSERT INTO metrics (${ROW_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => `(${Array.from({ length: COLUMNS }, () => '?').join(', ')})`).join(', ')}`;

/**
 * Inserts blocks of rows into `metrics` (inside the caller's transaction) and returns the
 * last row id; a full block is one statement of 32 rows, far fewer executions per commit.
 * The store and its writer thread insert through this.
 */
export function prepareRowInsert(db: Database.Database): (blocks: readonly Block[]) => number {
  const one = db.prepare(insertSql(1));
  const full = db.prepare(insertSql(ROWS_PER_STATEMENT));
  return (blocks) => {
    let last = 0;
    for (const block of blocks) {
      if (block.length === BLOCK_VALUES) last = Number(full.run(block).lastInsertRowid);
      else for (let i = 0; i < block.length; i += COLUMNS) last = Number(one.run(block.slice(i, i + COLUMNS)).lastInsertRowid);
    }
    return last;
  };
}
