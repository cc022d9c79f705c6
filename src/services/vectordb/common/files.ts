import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { AifbError } from '../../../errors.js';

/**
 * Readers for the vector files users bring: the TEXMEX formats of SIFT/GIST (.fvecs,
 * .bvecs, .ivecs: each row an int32 dimension then its values) and NumPy .npy (2-D,
 * C order). Only the rows asked for are read, so a 1B-row .bvecs costs what is used.
 * ann-benchmarks HDF5 files are read by hdf5.ts.
 */

/** A data file the recipe names cannot be used as it is: bad input (exit 2), like a wrong recipe key. */
export class DataFileError extends AifbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-input', message, options);
  }
}

export interface Rows<T extends Float32Array | Int32Array> {
  /** Rows the file holds. */
  total: number;
  d: number;
  /** The rows read, packed. */
  data: T;
}

type Kind = 'f4' | 'f8' | 'u1' | 'i4' | 'i8';
interface Layout {
  total: number;
  d: number;
  kind: Kind;
  /** Byte offset of row 0's first value, and bytes from one row to the next. */
  first: number;
  stride: number;
}

const BYTES: Record<Kind, number> = { f4: 4, f8: 8, u1: 1, i4: 4, i8: 8 };
const VECS: Record<string, Kind> = { '.fvecs': 'f4', '.bvecs': 'u1', '.ivecs': 'i4' };

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

async function vecsLayout(fh: FileHandle, kind: Kind, path: string): Promise<Layout> {
  const size = (await fh.stat()).size;
  const head = await readAt(fh, 0, 4);
  if (head.length < 4) throw new DataFileError(`${path} is empty`);
  const d = head.readInt32LE(0);
  const stride = 4 + d * BYTES[kind];
  if (d <= 0 || d > 1_000_000 || size % stride !== 0) {
    throw new DataFileError(`${path} is not a ${extname(path)} file (dimension ${d}, size ${size} is not a multiple of ${stride})`);
  }
  return { total: size / stride, d, kind, first: 4, stride };
}

const NPY_KINDS: Record<string, Kind> = { '<f4': 'f4', '<f8': 'f8', '|u1': 'u1', '<i4': 'i4', '<i8': 'i8' };

async function npyLayout(fh: FileHandle, path: string): Promise<Layout> {
  const pre = await readAt(fh, 0, 12);
  if (pre.length < 10 || pre.toString('latin1', 0, 6) !== '\x93NUMPY') throw new DataFileError(`${path} is not a .npy file`);
  const major = pre[6]!;
  const headerLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = (await readAt(fh, start, headerLen)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? '';
  const kind = NPY_KINDS[descr];
  if (!kind) throw new DataFileError(`${path}: dtype ${descr || '?'} is not supported (use float32, float64, uint8, int32 or int64)`);
  if (/'fortran_order':\s*True/.test(header)) throw new DataFileError(`${path} is in Fortran order; save it in C order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]?.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number) ?? [];
  if (shape.length !== 2 || shape.some((x) => !Number.isInteger(x))) throw new DataFileError(`${path}: expected a 2-D array, shape is (${shape.join(', ')})`);
  const d = shape[1]!;
  return { total: shape[0]!, d, kind, first: start + headerLen, stride: d * BYTES[kind] };
}

async function layoutOf(fh: FileHandle, path: string): Promise<Layout> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return npyLayout(fh, path);
  const kind = VECS[ext];
  if (!kind) throw new DataFileError(`${path}: unknown vector file type "${ext}" (use .fvecs, .bvecs, .ivecs, .npy, or an ann-benchmarks .hdf5 file as dataset.base)`);
  return vecsLayout(fh, kind, path);
}

function decode(buf: Buffer, l: Layout, rows: number, out: Float32Array | Int32Array): void {
  const skip = l.stride - l.d * BYTES[l.kind];
  for (let r = 0; r < rows; r++) {
    const base = r * l.stride + skip;
    const o = r * l.d;
    for (let j = 0; j < l.d; j++) {
      const p = base + j * BYTES[l.kind];
      switch (l.kind) {
        case 'f4': out[o + j] = buf.readFloatLE(p); break;
        case 'f8': out[o + j] = buf.readDoubleLE(p); break;
        case 'u1': out[o + j] = buf[p]!; break;
        case 'i4': out[o + j] = buf.readInt32LE(p); break;
        case 'i8': out[o + j] = Number(buf.readBigInt64LE(p)); break;
      }
    }
  }
}

async function readRows<T extends Float32Array | Int32Array>(path: string, start: number, count: number, make: (n: number) => T): Promise<Rows<T>> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new DataFileError(`cannot open vector file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const l = await layoutOf(fh, path);
    const rows = Math.max(0, Math.min(count, l.total - start));
    const out = make(rows * l.d);
    // A skipped row prefix (the dimension) sits before each row in .vecs files.
    const buf = await readAt(fh, l.first - (l.stride - l.d * BYTES[l.kind]) + start * l.stride, rows * l.stride);
    if (buf.length < rows * l.stride) throw new DataFileError(`${path} is shorter than its header says`);
    decode(buf, l, rows, out);
    return { total: l.total, d: l.d, data: out };
  } finally {
    await fh.close();
  }
}

/** Rows [start, start + count) of a vector file as float32 (fewer when the file ends first). */
export function readFloatRows(path: string, start: number, count: number): Promise<Rows<Float32Array>> {
  return readRows(path, start, count, (n) => new Float32Array(n));
}

/** The first `count` rows of an integer file (.ivecs, int32/int64 .npy), e.g. ground-truth neighbours. */
export function readIntRows(path: string, count: number): Promise<Rows<Int32Array>> {
  return readRows(path, 0, count, (n) => new Int32Array(n));
}
