import { createHash } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { createOwnedFile, removeOwned } from '../../../util/owned.js';
import { join } from 'node:path';
import { dot, rowNorms, type Space } from './distance.js';
import { TopK } from './topk.js';

/**
 * Exact nearest neighbours of every query, `depth` deep (deeper than k, so that deletes
 * and updates can be taken out without recomputing; see truth.ts). Missing entries
 * (fewer accepted vectors than depth) are id −1.
 */
export interface StaticTruth {
  m: number;
  depth: number;
  ids: Int32Array;
  dists: Float32Array;
}

const YIELD_EVERY_MS = 50;

/**
 * Brute force over the packed base (n × d) for every query: one dot product per pair,
 * in doubles, so the ranking is exact for float32 data. `accept` restricts the base
 * (filtered search). Yields to the event loop now and then so the abort signal works.
 */
export async function bruteForce(
  space: Space,
  base: Float32Array,
  queries: Float32Array,
  depth: number,
  accept?: (id: number) => boolean,
  signal?: AbortSignal,
): Promise<StaticTruth> {
  const d = space.d;
  const n = base.length / d;
  const m = queries.length / d;
  const xn = rowNorms(base, d);
  const xn2 = xn.map((v) => v * v);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (!accept || accept(i)) rows.push(i);
  const ids = new Int32Array(m * depth).fill(-1);
  const dists = new Float32Array(m * depth).fill(Infinity);
  let last = performance.now();
  for (let q = 0; q < m; q++) {
    const qo = q * d;
    const qn2 = dot(queries, qo, queries, qo, d);
    const qn = Math.sqrt(qn2);
    const top = new TopK(depth);
    for (const i of rows) {
      const ip = dot(queries, qo, base, i * d, d);
      const dist = space.distance === 'l2' ? xn2[i]! - 2 * ip + qn2 : space.distance === 'ip' ? -ip : qn * xn[i]! > 0 ? 1 - ip / (qn * xn[i]!) : 1;
      if (dist <= top.bound()) top.push(i, dist);
    }
    const s = top.sorted();
    for (let j = 0; j < s.ids.length; j++) {
      ids[q * depth + j] = s.ids[j]!;
      // The norm expansion can dip just below zero for a duplicate of the query.
      dists[q * depth + j] = space.distance === 'l2' ? Math.max(0, s.dists[j]!) : s.dists[j]!;
    }
    if (performance.now() - last > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      signal?.throwIfAborted();
      last = performance.now();
    }
  }
  return { m, depth, ids, dists };
}

const MAGIC = 'AIFBGT1\n';

/** A cache key from everything the truth depends on. */
export function truthKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

function encode(t: StaticTruth): Buffer {
  const head = Buffer.alloc(MAGIC.length + 8);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(t.m, MAGIC.length);
  head.writeUInt32LE(t.depth, MAGIC.length + 4);
  return Buffer.concat([head, Buffer.from(t.ids.buffer, t.ids.byteOffset, t.ids.byteLength), Buffer.from(t.dists.buffer, t.dists.byteOffset, t.dists.byteLength)]);
}

function decode(buf: Buffer): StaticTruth | undefined {
  if (buf.length < MAGIC.length + 8 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const m = buf.readUInt32LE(MAGIC.length);
  const depth = buf.readUInt32LE(MAGIC.length + 4);
  const cells = m * depth;
  const start = MAGIC.length + 8;
  if (buf.length !== start + cells * 8) return undefined;
  // Copy: the file buffer's offset need not be 4-aligned for typed views.
  const ids = new Int32Array(cells);
  const dists = new Float32Array(cells);
  Buffer.from(ids.buffer).set(buf.subarray(start, start + cells * 4));
  Buffer.from(dists.buffer).set(buf.subarray(start + cells * 4));
  return { m, depth, ids, dists };
}

/** The cached truth in the first directory that has it, or undefined. */
export async function readCachedTruth(dirs: string[], name: string): Promise<{ truth: StaticTruth; path: string } | undefined> {
  for (const dir of dirs) {
    const path = join(dir, name);
    const buf = await readFile(path).catch(() => undefined);
    const truth = buf && decode(buf);
    if (truth) return { truth, path };
  }
  return undefined;
}

/** Writes the truth into the first directory that accepts it (atomically: temp file, then rename). */
export async function writeCachedTruth(dirs: string[], name: string, truth: StaticTruth): Promise<string | undefined> {
  const data = encode(truth);
  for (const dir of dirs) {
    const path = join(dir, name);
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      await createOwnedFile(tmp, data);
      await rename(tmp, path);
      return path;
    } catch {
      // Only a temp file this process made: one of the same name already there is not ours.
      await removeOwned(tmp, { created: true }).catch(() => undefined);
    }
  }
  return undefined;
}
