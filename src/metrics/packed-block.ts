import { BLOCK_VALUES, COLUMNS, ROW_COLUMNS, ROWS_PER_STATEMENT, TEXT_COLUMNS, type Block } from './rows.js';

/** Per column: true when it holds text (stored as an index into the block's `texts`). */
const IS_TEXT = ROW_COLUMNS.map((c) => TEXT_COLUMNS.has(c));

/**
 * Up to ROWS_PER_STATEMENT rows as the store builds them during a run: every value in one
 * Float64Array (NaN is NULL; a text column holds an index into `texts`, where a run of
 * equal values is stored once). A row makes no heap object: as an array of values with
 * boxed numbers, the rows waiting for their commit had been a quarter of what every
 * young-generation collection copied (docs/performance.md). Handing a block to the writer
 * thread shares its numbers and copies its few texts. A non-number in a number column (a
 * status that is text) goes to `odd`, by position.
 */
export interface PackedBlock {
  rows: number;
  nums: Float64Array;
  texts: string[];
  odd: Map<number, unknown> | undefined;
}

/**
 * The numbers live in shared memory: the writer thread reads the block the store made,
 * and the store reuses it once the thread has acknowledged it. A copied buffer per block
 * had left the thread ~25 MB of dead buffers between its collections (peak RSS of the
 * 10 M-request run 245 → 271 MB).
 */
export function newPackedBlock(): PackedBlock {
  return { rows: 0, nums: new Float64Array(new SharedArrayBuffer(BLOCK_VALUES * Float64Array.BYTES_PER_ELEMENT)), texts: [], odd: undefined };
}

export const isFull = (b: PackedBlock): boolean => b.rows === ROWS_PER_STATEMENT;

/** Writes rows into packed blocks; remembers the last text of each column so repeats cost nothing. */
export class BlockPacker {
  private block: PackedBlock | undefined;
  private readonly lastText: (string | undefined)[] = new Array(COLUMNS).fill(undefined);
  private readonly lastIndex: number[] = new Array(COLUMNS).fill(0);
  private pos = 0;

  /**
   * Starts a row in `b` (which has room); values follow in ROW_COLUMNS order, through
   * `text` for TEXT_COLUMNS, `num` or `any` for the others. One method per kind keeps each
   * call site monomorphic: one `put(v: unknown)` deciding by the column made the
   * null-backend run 4–24 % slower in two interleaved pairs.
   */
  begin(b: PackedBlock): void {
    // A new block, or this one emptied for reuse: its texts start again.
    if (b !== this.block || b.rows === 0) {
      this.block = b;
      this.lastText.fill(undefined);
    }
    this.pos = b.rows * COLUMNS;
    b.rows++;
  }

  num(v: number | null | undefined): void {
    this.block!.nums[this.pos++] = typeof v === 'number' ? v : NaN;
  }

  /** A number column's value that may not be a number (status codes can be text). */
  any(v: unknown): void {
    if (typeof v === 'number' || v === null || v === undefined) return this.num(v as number | null | undefined);
    const b = this.block!;
    (b.odd ??= new Map()).set(this.pos, v);
    b.nums[this.pos++] = NaN;
  }

  text(v: string | null): void {
    const b = this.block!;
    const col = this.pos % COLUMNS;
    if (v === null) b.nums[this.pos++] = NaN;
    else if (v === this.lastText[col]) b.nums[this.pos++] = this.lastIndex[col]!;
    else {
      this.lastText[col] = v;
      this.lastIndex[col] = b.texts.length;
      b.nums[this.pos++] = b.texts.length;
      b.texts.push(v);
    }
  }
}

/** The block's rows as SQLite binds them (ROW_COLUMNS values one row after another). */
export function unpackBlock(b: PackedBlock): Block {
  const n = b.rows * COLUMNS;
  const out: unknown[] = new Array(n);
  const { nums, texts, odd } = b;
  for (let i = 0, col = 0; i < n; i++, col = col + 1 === COLUMNS ? 0 : col + 1) {
    const v = nums[i]!;
    if (v !== v) out[i] = odd?.get(i) ?? null;
    else out[i] = IS_TEXT[col] ? texts[v]! : v;
  }
  return out;
}

/** Empties a block for reuse. */
export function resetBlock(b: PackedBlock): void {
  b.rows = 0;
  b.texts.length = 0;
  b.odd = undefined;
}
