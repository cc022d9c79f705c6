/**
 * The binary protocol between aifb and its Faiss worker (worker-source.ts), on the
 * worker's stdin/stdout. Every frame is length-prefixed; vectors travel as raw
 * little-endian float32 and ids as int64, never as JSON.
 *
 *   request:  u32 length | u8 op | payload
 *   response: u32 length | u8 status (0 ok, 1 error) | f64 seconds inside the worker | payload
 *
 * The first frame the worker sends, unasked, is its hello (status 0: JSON with the Faiss
 * version and GPU count; status 1: why it cannot run, e.g. no faiss module).
 */

export const OP = {
  init: 1,
  train: 2,
  add: 3,
  search: 4,
  remove: 5,
  get: 6,
  build: 7,
} as const;

export interface Reply {
  ok: boolean;
  /** Time the worker spent on the request, from decoding it to encoding the answer. */
  engineMs: number;
  payload: Buffer;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};

/** Bytes of a typed array, without copying. */
export const bytesOf = (a: Float32Array | BigInt64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export const idsOf = (ids: readonly number[]) => BigInt64Array.from(ids, (x) => BigInt(x));

/** One request frame. */
export function frame(op: number, parts: Buffer[]): Buffer {
  const length = 1 + parts.reduce((a, p) => a + p.length, 0);
  return Buffer.concat([u32(length), Buffer.from([op]), ...parts]);
}

/** add: u32 n | i64 ids[n] | f32 vectors[n·d] (an id already present is replaced). */
export function addFrame(ids: readonly number[], vectors: Float32Array): Buffer {
  return frame(OP.add, [u32(ids.length), bytesOf(idsOf(ids)), bytesOf(vectors)]);
}

/** search: u32 k | u32 nprobe | u32 efSearch (0: the index's setting) | f32 query[d]. */
export function searchFrame(query: Float32Array, k: number, nprobe = 0, efSearch = 0): Buffer {
  return frame(OP.search, [u32(k), u32(nprobe), u32(efSearch), bytesOf(query)]);
}

/** The ids of a search reply: u32 count | i64 ids[count] | f32 distances[count]. */
export function parseSearch(payload: Buffer): number[] {
  const count = payload.readUInt32LE(0);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(Number(payload.readBigInt64LE(4 + 8 * i)));
  return ids;
}

/** Splits a byte stream into response frames; keeps a partial frame for the next chunk. */
export class ReplyReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Reply[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Reply[] = [];
    while (this.buf.length >= 4) {
      const length = this.buf.readUInt32LE(0);
      if (this.buf.length < 4 + length) break;
      const body = this.buf.subarray(4, 4 + length);
      out.push({ ok: body[0] === 0, engineMs: body.readDoubleLE(1) * 1000, payload: Buffer.from(body.subarray(9)) });
      this.buf = this.buf.subarray(4 + length);
    }
    return out;
  }
}
