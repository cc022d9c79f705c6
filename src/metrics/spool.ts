/**
 * The spool: while a run's load goes on, the writer thread stores each block of rows as
 * it came (one BLOB: its numbers, NULL columns left out, its texts as JSON) instead of inserting its
 * rows and aggregating them, and expands the spool into `metrics` when told to save or
 * close, i.e. after the measured windows. Inserting and aggregating cost the thread ~5 µs
 * a row, on a core the service under test also needs (PostgreSQL select-only on 2 cores:
 * with the thread doing nothing, aifb ran 0.93 × the driver alone, with it 0.71 ×, in 5
 * pinned rounds; docs/performance.md). A spooled BLOB costs ~1 µs a row.
 *
 * A killed run leaves its spool in the database; whoever opens the database next expands
 * it (expandSpoolOf), so no reader sees a run without its spooled rows.
 */
import Database from 'better-sqlite3';
import { COLUMNS, prepareRowInsert, ROWS_PER_STATEMENT, type Block } from './rows.js';
import { unpackBlock, type PackedBlock } from './packed-block.js';

/** The most rows `aifb run` spools (expanded in ~9 s; 300 k rows took 1.3 s). */
export const DEFAULT_SPOOL_ROWS = 2_000_000;

/**
 * The spool's bound for `aifb run`: `AIFB_SPOOL_ROWS` (rows; 0 inserts rows as they come,
 * for who reads `metrics` while a run goes on), else DEFAULT_SPOOL_ROWS. Undefined when the
 * variable is not a whole number of rows.
 */
export function spoolRowsOf(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.AIFB_SPOOL_ROWS?.trim();
  if (text === undefined || text === '') return DEFAULT_SPOOL_ROWS;
  return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/** Blocks expanded per transaction: ~2,000 rows, so one never holds the database long. */
const CHUNK_BLOCKS = 64;

/**
 * A block as bytes: a u32 mask of the columns that hold any value in this block, a u32 row
 * count, those columns' values row by row (a column all NULL, as most LLM and error columns
 * are outside their backends, takes no room), then `{t: texts, o: odd}` as JSON. At half
 * the size of a stored row the spool's pages, freed as it expands, are all reused by the
 * rows: the file ends no larger than without a spool.
 */
export function encodeBlock(b: PackedBlock): Buffer {
  const { nums, rows } = b;
  let mask = 0;
  for (let c = 0; c < COLUMNS; c++) {
    for (let i = c; i < rows * COLUMNS; i += COLUMNS) {
      if (nums[i] === nums[i]) {
        mask |= 1 << c;
        break;
      }
    }
  }
  const cols: number[] = [];
  for (let c = 0; c < COLUMNS; c++) if (mask & (1 << c)) cols.push(c);
  const json = Buffer.from(JSON.stringify(b.odd ? { t: b.texts, o: [...b.odd] } : { t: b.texts }));
  const values = new Float64Array(rows * cols.length);
  for (let r = 0, k = 0; r < rows; r++) for (const c of cols) values[k++] = nums[r * COLUMNS + c]!;
  const out = Buffer.allocUnsafe(8 + values.byteLength + json.length);
  out.writeUInt32LE(mask, 0);
  out.writeUInt32LE(rows, 4);
  Buffer.from(values.buffer).copy(out, 8);
  json.copy(out, 8 + values.byteLength);
  return out;
}

/** The rows of an encoded block, as SQLite binds them (ROW_COLUMNS values one row after another). */
export function decodeBlock(data: Uint8Array): Block {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const mask = bytes.readUInt32LE(0);
  const rows = bytes.readUInt32LE(4);
  const cols: number[] = [];
  for (let c = 0; c < COLUMNS; c++) if (mask & (1 << c)) cols.push(c);
  const valueBytes = rows * cols.length * Float64Array.BYTES_PER_ELEMENT;
  // A copy: the BLOB's bytes need not be 8-byte aligned for a Float64Array view.
  const values = new Float64Array(rows * cols.length);
  new Uint8Array(values.buffer).set(bytes.subarray(8, 8 + valueBytes));
  const nums = new Float64Array(rows * COLUMNS).fill(NaN);
  for (let r = 0, k = 0; r < rows; r++) for (const c of cols) nums[r * COLUMNS + c] = values[k++]!;
  const { t, o } = JSON.parse(bytes.subarray(8 + valueBytes).toString()) as { t: string[]; o?: [number, unknown][] };
  return unpackBlock({ rows, nums, texts: t, odd: o ? new Map(o) : undefined });
}

/** The spooled rows of run `id`, in the order they came (ROW_COLUMNS values, one row after another per block). */
export function* spooledBlocksOf(db: Database.Database, id: string): Generator<Block> {
  let rows: IterableIterator<{ data: Buffer }>;
  try {
    rows = db.prepare('SELECT data FROM metrics_spool ORDER BY id').iterate() as IterableIterator<{ data: Buffer }>;
  } catch {
    return; // a database from before the spool
  }
  for (const r of rows) {
    const block = decodeBlock(r.data);
    if (block[0] === id) yield block;
  }
}

/** Stores blocks in the spool (inside the caller's transaction). */
export function prepareSpoolInsert(db: Database.Database): (blocks: readonly PackedBlock[]) => void {
  const put = db.prepare('INSERT INTO metrics_spool (rows, data) VALUES (?, ?)');
  return (blocks) => {
    for (const b of blocks) if (b.rows > 0) put.run(b.rows, encodeBlock(b));
  };
}

/** Rows waiting in the spool; 0 in a database from before it. */
export function spooledRows(db: Database.Database): number {
  try {
    return (db.prepare('SELECT COALESCE(SUM(rows), 0) AS n FROM metrics_spool').get() as { n: number }).n;
  } catch {
    return 0;
  }
}

/**
 * Moves the oldest spooled rows into `metrics`, in the order they came, a chunk per
 * immediate transaction (so two connections expanding at once never take the same
 * block), until `maxRows` have moved or the spool is empty. `onChunk` is told of each
 * chunk's rows once its transaction committed, with the last row id it inserted.
 * Returns the rows moved.
 */
export function expandSpool(
  db: Database.Database,
  insertBlocks: (blocks: readonly Block[]) => number,
  onChunk: (blocks: readonly Block[], lastRowId: number) => void = () => {},
  maxRows = Infinity,
): number {
  const take = db.prepare('SELECT id, rows, data FROM metrics_spool ORDER BY id LIMIT ?');
  const drop = db.prepare('DELETE FROM metrics_spool WHERE id <= ?');
  const chunk = db.transaction((limit: number) => {
    const spooled = take.all(limit) as { id: number; rows: number; data: Buffer }[];
    if (spooled.length === 0) return undefined;
    const blocks = spooled.map((s) => decodeBlock(s.data));
    const lastRowId = insertBlocks(blocks);
    drop.run(spooled[spooled.length - 1]!.id);
    return { blocks, lastRowId, rows: spooled.reduce((n, s) => n + s.rows, 0) };
  });
  let moved = 0;
  while (moved < maxRows) {
    const done = chunk.immediate(Math.min(CHUNK_BLOCKS, Math.ceil((maxRows - moved) / ROWS_PER_STATEMENT)));
    if (!done) break;
    moved += done.rows;
    onChunk(done.blocks, done.lastRowId);
  }
  return moved;
}

/**
 * Expands what a run left in the spool of the database at `path` (a killed run, or one
 * still going) through a connection of its own that can write, so a reader opening the
 * file read-only afterwards finds every stored row in `metrics`.
 */
export function expandSpoolOf(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    expandSpool(db, prepareRowInsert(db));
  } finally {
    db.close();
  }
}
