import type { Adapter } from '../../contract.js';
import type { FieldsOf, ServiceOf } from '../../fields.js';
import { AifbError } from '../../../errors.js';
import { vectorAdapter, type VectorAdapter } from '../common/adapter.js';
import type { EngineCall, Fetched, OpenContext, Searched, VectorBatch, VectorEngine } from '../common/engine.js';
import type { SearchParams, faissFields } from '../common/fields.js';
import { OP, addFrame, bytesOf, frame, idsOf, parseSearch, searchFrame } from './protocol.js';
import { FaissWorker, type Hello } from './worker.js';

/** Debian installs python3-faiss for the system Python, which a pyenv or venv `python3` may not see. */
const PYTHONS = ['python3', '/usr/bin/python3'];

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
};

/** Faiss in its own process: the index lives in the worker, aifb sends it frames. */
class FaissEngine implements VectorEngine {
  readonly paramsScope = 'request';
  private worker: FaissWorker | undefined;
  hello: Hello | undefined;
  gpu = false;
  private trained = true;
  private d = 0;

  constructor(private readonly fields: FieldsOf<typeof faissFields>) {}

  async open(ctx: OpenContext): Promise<string> {
    const f = this.fields;
    this.d = ctx.d;
    await this.startWorker();
    if (f.gpu && this.hello!.gpus === 0) ctx.log.warn('faiss: gpu is set but this Faiss sees no GPU; running on the CPU');
    const config = {
      factory: f.index_factory,
      d: ctx.d,
      metric: ctx.distance === 'l2' ? 'l2' : 'ip',
      // Cosine is inner product on unit vectors; the worker normalises what it stores and searches.
      normalize: ctx.distance === 'cosine',
      gpu: f.gpu,
      // 0: the worker leaves Faiss's own setting.
      threads: f.threads ?? 0,
      nprobe: f.nprobe ?? 0,
      efSearch: f.ef_search ?? 0,
    };
    let reply;
    try {
      reply = await this.worker!.call(frame(OP.init, [Buffer.from(JSON.stringify(config))]));
    } catch (err) {
      throw new AifbError('bad-input', `faiss cannot build index "${f.index_factory}" (d=${ctx.d}): ${(err as Error).message.replace(/^faiss: /, '')}`, { cause: err });
    }
    const info = JSON.parse(reply.payload.toString()) as { gpu: boolean; is_trained: boolean };
    this.gpu = info.gpu;
    this.trained = info.is_trained;
    ctx.log.debug(`faiss ${this.hello!.faiss} (${this.hello!.python}), index ${f.index_factory} on ${this.gpu ? 'GPU' : 'CPU'}`);
    return `faiss:${f.index_factory}`;
  }

  async train(vectors: Float32Array): Promise<EngineCall> {
    if (this.trained) return { engineMs: 0 };
    const rows = Math.min(vectors.length / this.d, this.fields.train_size);
    const r = await this.need().call(frame(OP.train, [u32(rows), bytesOf(vectors.subarray(0, rows * this.d))]));
    this.trained = true;
    return { engineMs: r.engineMs };
  }

  async insert(b: VectorBatch): Promise<EngineCall> {
    return { engineMs: (await this.need().call(addFrame(b.ids, b.vectors))).engineMs };
  }

  async build(): Promise<EngineCall> {
    return { engineMs: (await this.need().call(frame(OP.build, []))).engineMs };
  }

  async search(query: Float32Array, k: number, opts: { params?: SearchParams }): Promise<Searched> {
    const r = await this.need().call(searchFrame(query, k, opts.params?.nprobe ?? 0, opts.params?.ef_search ?? 0));
    return { ids: parseSearch(r.payload), engineMs: r.engineMs, bytesIn: r.payload.length, bytesOut: 12 + query.byteLength };
  }

  async get(id: number): Promise<Fetched> {
    const r = await this.need().call(frame(OP.get, [bytesOf(idsOf([id]))]));
    const vector = r.payload[0] === 1 ? new Float32Array(r.payload.buffer.slice(r.payload.byteOffset + 1, r.payload.byteOffset + r.payload.length)) : undefined;
    return { vector, engineMs: r.engineMs, bytesIn: r.payload.length };
  }

  /** The worker replaces a vector whose id it already holds. */
  update(b: VectorBatch): Promise<EngineCall> {
    return this.insert(b);
  }

  async delete(ids: number[]): Promise<EngineCall> {
    return { engineMs: (await this.need().call(frame(OP.remove, [u32(ids.length), bytesOf(idsOf(ids))]))).engineMs };
  }

  /** The index exists only in the worker: ending it removes everything this run made. */
  async drop(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.close();
  }

  private async startWorker(): Promise<void> {
    const given = this.fields.python !== undefined ? [this.fields.python] : PYTHONS;
    const reasons: string[] = [];
    for (const python of given) {
      try {
        const { worker, hello } = await FaissWorker.start(python);
        this.worker = worker;
        this.hello = hello;
        return;
      } catch (err) {
        reasons.push(`${python}: ${(err as Error).message}`);
      }
    }
    throw new AifbError('bad-input', `faiss: no Python with faiss and numpy found (${reasons.join('; ')}); install python3-faiss (Debian) or faiss-cpu/faiss-gpu, or set python:`);
  }

  private need(): FaissWorker {
    if (!this.worker) throw new Error('faiss: used before setup or after teardown');
    return this.worker;
  }
}

/** The Faiss adapter for one service; `loadPhase` holds the load's figures (also as timed inside the worker). */
export function createAdapter(spec: ServiceOf<typeof faissFields>): Adapter & VectorAdapter {
  return vectorAdapter(spec, new FaissEngine(spec.fields));
}
