import type { Distance } from './fields.js';

/**
 * Distances as the engines rank them, smaller is nearer: squared Euclidean (same order as
 * Euclidean), cosine distance 1 − cos, and negative inner product (pgvector's `<#>`).
 */

export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  // Four accumulators let V8 overlap the multiply-adds; it is ~2x faster than one.
  for (; i + 3 < d; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < d; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + s2 + s3;
}

export function l2sq(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < d; i += 2) {
    const x = a[ao + i]! - b[bo + i]!;
    const y = a[ao + i + 1]! - b[bo + i + 1]!;
    s0 += x * x;
    s1 += y * y;
  }
  if (i < d) {
    const x = a[ao + i]! - b[bo + i]!;
    s0 += x * x;
  }
  return s0 + s1;
}

/** Euclidean norms of the n rows of a packed n×d array. */
export function rowNorms(data: Float32Array, d: number): Float32Array {
  const n = Math.floor(data.length / d);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(dot(data, i * d, data, i * d, d));
  return out;
}

/** Distance from a query to rows of a packed array, in one metric; norms are passed in to avoid recomputing them. */
export class Space {
  constructor(
    readonly distance: Distance,
    readonly d: number,
  ) {}

  /** The distance between query q (norm qn) and row `row` of `data` (norm xn). */
  between(q: Float32Array, qn: number, data: Float32Array, row: number, xn: number): number {
    const o = row * this.d;
    switch (this.distance) {
      case 'l2':
        return l2sq(q, 0, data, o, this.d);
      case 'ip':
        return -dot(q, 0, data, o, this.d);
      case 'cosine': {
        const denom = qn * xn;
        return denom > 0 ? 1 - dot(q, 0, data, o, this.d) / denom : 1;
      }
    }
  }

  norm(v: Float32Array, row = 0): number {
    return Math.sqrt(dot(v, row * this.d, v, row * this.d, this.d));
  }

  /**
   * How far past the k-th true distance a result may be and still count: float32 rounding
   * in the engine and ties (ann-benchmarks allows 1e-3). Relative to the distance and to
   * the data's scale, because squared L2 and inner products grow with the norms.
   */
  tolerance(kth: number, scale: number): number {
    return 1e-4 * Math.abs(kth) + 1e-5 * scale;
  }
}
