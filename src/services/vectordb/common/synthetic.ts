import { createRng, type Rng } from '../../../util/rng.js';

/** Spread of points around their centre, relative to the spread of the centres. */
export const CLUSTER_SPREAD = 0.5;

/**
 * A seeded mixture of isotropic Gaussians: centres ~ N(0, 1) per coordinate, points =
 * centre + N(0, CLUSTER_SPREAD²). Clusters give the index structure to exploit, as real
 * embeddings do; a single Gaussian would make every neighbour nearly equidistant.
 */
export class GaussianMixture {
  private readonly centres: Float32Array;

  constructor(
    readonly d: number,
    readonly clusters: number,
    seed: number,
  ) {
    const rng = createRng(seed).fork('centres');
    this.centres = new Float32Array(clusters * d);
    for (let i = 0; i < this.centres.length; i++) this.centres[i] = rng.normal();
  }

  /** Writes one point into `out` at row `row`. */
  sampleInto(rng: Rng, out: Float32Array, row: number): void {
    const c = rng.int(this.clusters) * this.d;
    const o = row * this.d;
    for (let j = 0; j < this.d; j++) out[o + j] = this.centres[c + j]! + CLUSTER_SPREAD * rng.normal();
  }

  /** n points, packed row after row. */
  sample(rng: Rng, n: number): Float32Array {
    const out = new Float32Array(n * this.d);
    for (let i = 0; i < n; i++) this.sampleInto(rng, out, i);
    return out;
  }
}

/** The base and query sets of a synthetic data set: the same seed gives the same vectors. */
export function syntheticData(seed: number, d: number, clusters: number, n: number, m: number) {
  const mixture = new GaussianMixture(d, clusters, seed);
  const root = createRng(seed);
  return { mixture, base: mixture.sample(root.fork('base'), n), queries: mixture.sample(root.fork('queries'), m) };
}
