import type { Rng } from '../../../util/rng.js';

/** Draws ranks in [0, n). */
export interface KeyGenerator {
  readonly n: number;
  next(rng: Rng): number;
}

/** Every key equally likely (pgbench's `random()`). */
export class UniformKeys implements KeyGenerator {
  constructor(readonly n: number) {}
  next(rng: Rng): number {
    return rng.int(this.n);
  }
}

/**
 * YCSB's zipfian generator (Gray et al., "Quickly generating billion-record synthetic
 * databases"): rank r is drawn with probability proportional to 1/(r+1)^theta. Ranks
 * are then scattered over the key space by a fixed bijection, as YCSB's scrambled
 * zipfian does, so the hot rows are not all neighbours in the index.
 */
export class ZipfianKeys implements KeyGenerator {
  private readonly zetan: number;
  private readonly alpha: number;
  private readonly eta: number;
  private readonly half: number;
  private readonly mult: number;
  private readonly wide: boolean;

  constructor(
    readonly n: number,
    theta: number,
  ) {
    if (!(theta > 0 && theta < 1)) throw new Error(`zipf_theta must be in (0, 1), got ${theta}`);
    this.zetan = zeta(n, theta);
    const zeta2 = 1 + Math.pow(0.5, theta);
    this.alpha = 1 / (1 - theta);
    this.eta = (1 - Math.pow(2 / n, 1 - theta)) / (1 - zeta2 / this.zetan);
    this.half = 1 + Math.pow(0.5, theta);
    this.mult = coprimeNear(n, Math.floor(n * 0.6180339887) + 1);
    this.wide = n * n > Number.MAX_SAFE_INTEGER;
  }

  /** The rank drawn (0 is the most popular). */
  rank(rng: Rng): number {
    const u = rng.next();
    const uz = u * this.zetan;
    if (uz < 1) return 0;
    if (uz < this.half) return Math.min(1, this.n - 1);
    return Math.min(this.n - 1, Math.floor(this.n * Math.pow(this.eta * u - this.eta + 1, this.alpha)));
  }

  next(rng: Rng): number {
    return this.scatter(this.rank(rng));
  }

  /** Expected share of draws that land on the most popular key. */
  topShare(): number {
    return 1 / this.zetan;
  }

  private scatter(rank: number): number {
    if (this.n <= 2) return rank;
    if (!this.wide) return (rank * this.mult) % this.n;
    return Number((BigInt(rank) * BigInt(this.mult)) % BigInt(this.n));
  }
}

function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, theta);
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The first number from `start` up that shares no factor with n (so x ↦ x·m mod n is a bijection). */
function coprimeNear(n: number, start: number): number {
  let m = Math.max(1, start % n);
  while (gcd(m, n) !== 1) m = (m % n) + 1;
  return m;
}

/** The generator a service asks for, over n keys. */
export function keyGenerator(distribution: 'uniform' | 'zipfian', n: number, theta: number): KeyGenerator {
  return distribution === 'zipfian' && n > 1 ? new ZipfianKeys(n, theta) : new UniformKeys(Math.max(1, n));
}

const REDRAWS = 16;

/**
 * Which keys exist. Reads and updates draw from the loaded rows [0, loaded) by the
 * service's distribution; inserts take fresh keys above them; deletes take the rows
 * inserted during the run first (so the loaded rows, and the distribution over them,
 * stay intact), and only then loaded rows, which later draws then avoid.
 */
export class KeySpace {
  private nextFresh: number;
  private readonly insertedKeys: number[] = [];
  private readonly deletedLoaded = new Set<number>();

  constructor(
    readonly loaded: number,
    private readonly gen: KeyGenerator,
  ) {
    this.nextFresh = loaded;
  }

  /** A loaded row that has not been deleted, or undefined when none was found. */
  pick(rng: Rng): number | undefined {
    if (this.loaded === 0) return undefined;
    for (let i = 0; i < REDRAWS; i++) {
      const k = this.gen.next(rng);
      if (!this.deletedLoaded.has(k)) return k;
    }
    return undefined;
  }

  /** A key no row has. */
  fresh(): number {
    return this.nextFresh++;
  }

  /** Called once an insert has committed its key. */
  inserted(key: number): void {
    this.insertedKeys.push(key);
  }

  /** A row to delete; it counts as gone at once so other operations stop drawing it. */
  claimForDelete(rng: Rng): number | undefined {
    const recent = this.insertedKeys.pop();
    if (recent !== undefined) return recent;
    const k = this.pick(rng);
    if (k !== undefined) this.deletedLoaded.add(k);
    return k;
  }

  /** A delete that did not happen (server error): the row is still there. */
  restore(key: number): void {
    if (key < this.loaded) this.deletedLoaded.delete(key);
    else this.insertedKeys.push(key);
  }
}
