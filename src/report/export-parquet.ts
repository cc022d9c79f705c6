import { renameSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { createOwnedFileSync, removeOwnedSync } from '../util/owned.js';
import { SAMPLE_COLUMNS } from './exports.js';

type Kind = 'STRING' | 'DOUBLE' | 'INT32' | 'INT64';

/**
 * Each per-request column's Parquet type. `status_code` is text: SQLite keeps an HTTP
 * status or an errno code such as ENOENT in it. Sizes are INT64 (an S3 object can pass
 * 2 GiB); token counts and flags INT32; times DOUBLE in seconds, as in the table.
 */
const KIND: Record<(typeof SAMPLE_COLUMNS)[number], Kind> = {
  benchmark_id: 'STRING', timestamp: 'DOUBLE', service_name: 'STRING', client_id: 'INT32', request_duration: 'DOUBLE',
  success: 'INT32', status_code: 'STRING', error_message: 'STRING', response_size: 'INT64', operation: 'STRING',
  intended_start: 'DOUBLE', actual_start: 'DOUBLE', service_time: 'DOUBLE', error_class: 'STRING', bytes_out: 'INT64',
  ttft: 'DOUBLE', tpot: 'DOUBLE', itl: 'DOUBLE', input_tokens: 'INT32', output_tokens: 'INT32', tokens_estimated: 'INT32',
  extra: 'STRING',
};

/** Rows per row group: big enough for pandas to read fast, small enough to hold in memory. */
const GROUP = 65_536;

function cell(v: unknown, kind: Kind): unknown {
  if (v === null || v === undefined) return null;
  if (kind === 'STRING') return String(v);
  if (kind === 'INT64') return BigInt(Math.trunc(Number(v)));
  return Number(v);
}

/**
 * Streams every measured request of a run into a Parquet file (the metrics table's
 * columns, in its order), one row group per 65,536 rows, through a temporary name.
 * pandas: `pd.read_parquet(file)`. Returns the number of rows written.
 */
export function writeSamplesParquet(db: Database.Database, benchmarkId: string, path: string): number {
  // Created exclusively first: a file of the user's that happens to have this name is never overwritten.
  const tmp = `${path}.${process.pid}.tmp`;
  createOwnedFileSync(tmp, '');
  const columns = SAMPLE_COLUMNS.map((name) => ({ name, kind: KIND[name] }));
  const schema = schemaFromColumnData({ columnData: columns.map(({ name, kind }) => ({ name, type: kind, data: [], nullable: true })) });
  const writer = new ParquetWriter({ writer: fileWriter(tmp), schema, createdBy: 'aifb' });
  let n = 0;
  try {
    const rows = db
      .prepare(`SELECT ${SAMPLE_COLUMNS.join(', ')} FROM metrics WHERE benchmark_id = ? ORDER BY id`)
      .raw()
      .iterate(benchmarkId) as IterableIterator<unknown[]>;
    let data: unknown[][] = columns.map(() => []);
    const flush = () => {
      const columnData: ColumnSource[] = columns.map(({ name, kind }, i) => ({ name, type: kind, data: data[i]! as ColumnSource['data'], nullable: true }));
      writer.write({ columnData, rowGroupSize: GROUP });
      data = columns.map(() => []);
    };
    for (const r of rows) {
      for (let i = 0; i < columns.length; i++) data[i]!.push(cell(r[i], columns[i]!.kind));
      if (++n % GROUP === 0) flush();
    }
    if (n % GROUP !== 0 || n === 0) flush();
    writer.finish();
  } catch (err) {
    removeOwnedSync(tmp, { created: true });
    throw err;
  }
  renameSync(tmp, path);
  return n;
}
