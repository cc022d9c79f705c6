/**
 * Seeded pseudo-random numbers (xoshiro128**), so that a recipe with a seed
 * reproduces the same schedule, operation sequence and payloads.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Exponential with mean 1. */
  exponential(): number;
  /** Gamma with the given shape and scale 1. */
  gamma(shape: number): number;
  /** Standard normal. */
  normal(): number;
  /** Fills a buffer with random bytes. */
  fill(buf: Uint8Array): Uint8Array;
  /** An independent stream derived from this one's seed and a label. */
  fork(label: string | number): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(seed: number, label: string | number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  const text = String(label);
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(private readonly seed: number) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
  }

  private nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c = (this.c ^ t) >>> 0;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    return result;
  }

  next(): number {
    // 53 bits of randomness from two draws.
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  exponential(): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -Math.log(1 - this.next());
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  gamma(shape: number): number {
    // Marsaglia and Tsang; shapes below 1 use the boost gamma(a) = gamma(a+1) * U^(1/a).
    if (shape < 1) {
      const u = 1 - this.next();
      return this.gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x = 0;
      let v = 0;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  fill(buf: Uint8Array): Uint8Array {
    let i = 0;
    for (; i + 4 <= buf.length; i += 4) {
      const r = this.nextU32();
      buf[i] = r & 0xff;
      buf[i + 1] = (r >>> 8) & 0xff;
      buf[i + 2] = (r >>> 16) & 0xff;
      buf[i + 3] = r >>> 24;
    }
    for (; i < buf.length; i++) buf[i] = this.nextU32() & 0xff;
    return buf;
  }

  fork(label: string | number): Rng {
    return new Xoshiro128(hashLabel(this.seed, label));
  }
}

/** A seeded generator; the same seed gives the same sequence on every machine. */
export function createRng(seed: number): Rng {
  return new Xoshiro128(seed >>> 0);
}
