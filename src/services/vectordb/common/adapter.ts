import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { Rng } from '../../../util/rng.js';
import { RunError } from '../../../errors.js';
import { loadDataset, type Dataset } from './dataset.js';
import { Space, rowNorms } from './distance.js';
import type { VectorEngine } from './engine.js';
import type { StaticTruth } from './groundtruth.js';
import { LiveSet } from './live.js';
import { loadVectors, type VectorLoadPhase } from './load.js';
import { variantName, type SearchParams, type vectorFields } from './fields.js';
import { staticTruth } from './prepare-truth.js';
import { Truth } from './truth.js';
import { VectorWorkload, type VectorOp } from './workload.js';

/** Ground truth is kept this deep (at least), so deletes and updates rarely force a full scan. */
export const TRUTH_DEPTH = 100;

function meanSquaredNorm(norms: Float32Array): number {
  let s = 0;
  for (const v of norms) s += v * v;
  return norms.length > 0 ? s / norms.length : 1;
}

/**
 * The vector workload on one engine: setup loads the data set into a collection the run
 * owns (timed as the load phase) and prepares the ground truth; teardown removes that
 * collection and nothing else. `loadPhase` holds the load's figures after setup.
 */
export class VectorAdapter implements Adapter<VectorOp> {
  /** The load phase as measured (vectors/s, seconds per step); undefined until setup has loaded. */
  loadPhase: VectorLoadPhase | undefined;
  /** Name of the collection/table/class this run created. */
  collection: string | undefined;
  /** Operation name → search parameters of that sweep point. */
  readonly variants: Map<string, SearchParams>;
  private workload: VectorWorkload | undefined;
  private opened = false;
  private created = false;

  constructor(
    private readonly spec: ServiceOf<typeof vectorFields>,
    readonly engine: VectorEngine,
  ) {
    this.variants = new Map(spec.fields.search_params.map((p) => [variantName(p), p]));
  }

  async setup(ctx: SetupContext): Promise<void> {
    const f = this.spec.fields;
    const ds = await loadDataset(f, this.spec.seed);
    if (f.search_k > ds.n) throw new RunError(`search_k (${f.search_k}) is larger than the ${ds.n} vectors loaded`);
    const space = new Space(ds.distance, ds.d);
    const searches = this.spec.mix.filter((m) => m.operation.startsWith('search'));
    const filterBelow = Math.max(1, Math.min(100, Math.round(f.filter_selectivity * 100)));
    const depth = Math.min(ds.n, Math.max(TRUTH_DEPTH, 2 * f.search_k));
    const statics = new Map<number, StaticTruth>();
    const truthInfo: VectorLoadPhase['truth'] = [];
    const wanted = [searches.some((m) => m.operation !== 'search_filtered') ? 100 : undefined, searches.some((m) => m.operation === 'search_filtered') ? filterBelow : undefined];
    for (const below of wanted) {
      if (below === undefined) continue;
      const t = await staticTruth(space, ds, depth, f.search_k, below, ctx.log, ctx.signal);
      statics.set(below, t.truth);
      truthInfo.push({ filter: below < 100 ? `tag < ${below}` : 'none', source: t.source, seconds: t.seconds, ...(t.path ? { path: t.path } : {}) });
    }
    const norms = rowNorms(ds.base, ds.d);
    const live = new LiveSet(ds.d, ds.base, norms);
    const truth = new Truth(space, live, ds.queries, statics, meanSquaredNorm(norms));

    this.opened = true;
    this.collection = await this.engine.open({
      benchmarkId: ctx.benchmarkId,
      serviceName: this.spec.name,
      d: ds.d,
      distance: ds.distance,
      expectedVectors: ds.n,
      log: ctx.log,
      signal: ctx.signal,
    });
    this.created = true;
    this.loadPhase = { ...(await loadVectors(this.engine, ds, f, ctx.signal)), truth: truthInfo };
    this.logLoad(ctx, ds);
    this.workload = new VectorWorkload(this.engine, f, this.variants, ds, space, live, truth, filterBelow);
  }

  prepare(operation: string, rng: Rng): VectorOp {
    if (!this.workload) throw new Error('vectordb: prepare called before setup');
    return this.workload.prepare(operation, rng);
  }

  execute(op: VectorOp, signal: AbortSignal): Promise<OperationResult> {
    if (!this.workload) throw new Error('vectordb: execute called before setup');
    return this.workload.execute(op, signal);
  }

  release(op: VectorOp): void {
    this.workload?.release(op);
  }

  async teardown(ctx: TeardownContext): Promise<void> {
    if (this.created) {
      try {
        await this.engine.drop();
        ctx.log.debug(`removed ${this.collection}`);
        this.created = false;
      } catch (err) {
        ctx.log.warn(`could not remove ${this.collection} (${(err as Error).message}); remove it by hand`);
      }
    }
    if (this.opened) {
      this.opened = false;
      await this.engine.close().catch((err: Error) => ctx.log.warn(`closing the engine: ${err.message}`));
    }
  }

  private logLoad(ctx: SetupContext, ds: Dataset): void {
    const lp = this.loadPhase!;
    const build = lp.buildSeconds > 0 ? `, index build ${lp.buildSeconds.toFixed(2)} s` : '';
    const train = lp.trainSeconds > 0 ? `, training ${lp.trainSeconds.toFixed(2)} s` : '';
    ctx.log.info(
      `load phase: ${ds.describe} into ${this.collection} in ${lp.seconds.toFixed(2)} s ` +
        `(${Math.round(lp.vectorsPerSecond)} vectors/s; insert ${lp.insertSeconds.toFixed(2)} s${train}${build})`,
    );
  }
}

/** Builds the adapter for a backend's engine (each backend's adapter.ts calls this). */
export function vectorAdapter(spec: ServiceOf<typeof vectorFields>, engine: VectorEngine): VectorAdapter {
  return new VectorAdapter(spec, engine);
}
