import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DataFileError, type Rows } from './files.js';
import type { Distance } from './fields.js';
import { VDB_MSG } from './messages.js';

/**
 * ann-benchmarks data sets: one HDF5 file with datasets `train` (base vectors), `test`
 * (queries), `neighbors` (ids of each query's true neighbours, nearest first) and
 * `distances`, and a root attribute `distance` naming the metric. Read with h5wasm (HDF5
 * compiled to WebAssembly), imported only when a recipe names such a file. Only the rows
 * asked for are read.
 */

export interface AnnBenchmarksFile {
  train: Rows<Float32Array>;
  test: Rows<Float32Array>;
  /** Absent when the file has no `neighbors` dataset. */
  neighbors: Rows<Int32Array> | undefined;
  /** The file's metric in aifb's names, or undefined when it declares none. */
  distance: Distance | undefined;
}

/** The file's `distance` attribute → aifb's distance; angular is cosine distance (1 − cos). */
const METRICS: Record<string, Distance> = { euclidean: 'l2', angular: 'cosine' };

/** HDF5's signature sits at offset 0, or 512, 1024, 2048 … when a user block comes first. */
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function checkSignature(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new DataFileError(VDB_MSG.hdf5Unreadable(path, (err as Error).message), { cause: err });
  }
  try {
    const size = (await fh.stat()).size;
    for (let at = 0; at + SIGNATURE.length <= size; at = at === 0 ? 512 : at * 2) {
      const buf = Buffer.alloc(SIGNATURE.length);
      await fh.read(buf, 0, buf.length, at);
      if (buf.equals(SIGNATURE)) return;
    }
    throw new DataFileError(VDB_MSG.hdf5NotHdf5(path));
  } finally {
    await fh.close();
  }
}

type H5 = typeof import('h5wasm/node');
let loaded: Promise<H5> | undefined;

/** h5wasm, loaded once; its HDF5 errors become exceptions instead of text on stderr. */
function h5wasm(): Promise<H5> {
  loaded ??= import('h5wasm/node').then(async (m) => {
    const module = await m.ready;
    module.activate_throwing_error_handler();
    return m;
  });
  return loaded;
}

/** HDF5 type classes (H5T_class_t) of the numbers aifb reads, and their byte sizes. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const NUMERIC_SIZES: Record<number, number[]> = { [H5T_INTEGER]: [1, 2, 4, 8], [H5T_FLOAT]: [4, 8] };

function describeType(meta: { type: number; size: number }): string {
  return meta.type === H5T_FLOAT ? `${meta.size * 8}-bit float` : meta.type === H5T_INTEGER ? `${meta.size * 8}-bit integer` : meta.type === H5T_STRING ? 'text' : `HDF5 type class ${meta.type}`;
}

/** h5wasm copies the selection out of its heap into a typed array of the file's type; convert when it differs. */
function toNumbers<T extends Float32Array | Int32Array>(v: unknown, make: (n: number) => T): T {
  const probe = make(0);
  if (v instanceof probe.constructor) return v as T;
  const src = v as ArrayLike<number | bigint>;
  const out = make(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
  return out;
}

function rowsOf<T extends Float32Array | Int32Array>(h5: H5, path: string, file: InstanceType<H5['File']>, name: string, count: number, make: (n: number) => T): Rows<T> {
  const set = file.get(name);
  if (!(set instanceof h5.Dataset)) throw new DataFileError(VDB_MSG.hdf5Missing(path, name, file.keys()));
  const meta = set.metadata;
  if (!NUMERIC_SIZES[meta.type]?.includes(meta.size)) throw new DataFileError(VDB_MSG.hdf5Type(path, name, describeType(meta)));
  const shape = set.shape ?? [];
  if (shape.length !== 2) throw new DataFileError(VDB_MSG.hdf5Shape(path, name, shape));
  const [total, d] = shape as [number, number];
  const rows = Math.max(0, Math.min(count, total));
  const data = rows === 0 ? make(0) : toNumbers(set.slice([[0, rows], []]), make);
  return { total, d, data };
}

/**
 * Reads the first `trainRows` base vectors, the first `testRows` queries and their
 * neighbour lists from an ann-benchmarks file. Every problem with the file is bad input
 * (exit 2), named with the file and what was expected.
 */
export async function readAnnBenchmarks(path: string, trainRows: number, testRows: number): Promise<AnnBenchmarksFile> {
  await checkSignature(path);
  const h5 = await h5wasm();
  let file: InstanceType<H5['File']>;
  try {
    file = new h5.File(resolve(path), 'r');
  } catch (err) {
    // HDF5's error stack: its first line says what failed.
    const why = String((err as Error).message ?? err).split('\n').find((l) => /minor:|unable/i.test(l))?.trim() ?? 'HDF5 could not open it';
    throw new DataFileError(VDB_MSG.hdf5Unreadable(path, why), { cause: err });
  }
  try {
    const attr = file.attrs.distance?.value;
    const declared = typeof attr === 'string' ? attr.trim().toLowerCase() : undefined;
    if (declared !== undefined && !METRICS[declared]) throw new DataFileError(VDB_MSG.hdf5Distance(path, declared));
    const train = rowsOf(h5, path, file, 'train', trainRows, (n) => new Float32Array(n));
    const test = rowsOf(h5, path, file, 'test', testRows, (n) => new Float32Array(n));
    if (test.d !== train.d) throw new DataFileError(VDB_MSG.hdf5Dimension(path, train.d, test.d));
    const neighbors = file.keys().includes('neighbors') ? rowsOf(h5, path, file, 'neighbors', test.data.length / test.d, (n) => new Int32Array(n)) : undefined;
    return { train, test, neighbors, distance: declared ? METRICS[declared] : undefined };
  } finally {
    file.close();
  }
}
