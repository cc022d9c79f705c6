import { ChromaClient, ChromaUniqueError, type Collection } from 'chromadb';
import type { Adapter } from '../../contract.js';
import type { FieldsOf, ServiceOf } from '../../fields.js';
import { AifbError, RunError } from '../../../errors.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';
import { vectorAdapter, type VectorAdapter } from '../common/adapter.js';
import type { EngineCall, Fetched, OpenContext, Searched, VectorBatch, VectorEngine } from '../common/engine.js';
import type { Distance, chromaFields } from '../common/fields.js';
import { CHROMA_NAMES, ownedName } from '../common/naming.js';

const SPACES: Record<Distance, 'l2' | 'cosine' | 'ip'> = { l2: 'l2', cosine: 'cosine', ip: 'ip' };

const rows = (b: VectorBatch, d: number): number[][] => b.ids.map((_, i) => Array.from(b.vectors.subarray(i * d, (i + 1) * d)));

/** ChromaDB through its JS client: one collection per run, created with its HNSW settings. */
class ChromaEngine implements VectorEngine {
  /** No per-search knobs: ef_search is fixed when the collection is created (see definition.ts). */
  readonly paramsScope = 'request';
  private client: ChromaClient | undefined;
  private collection: Collection | undefined;
  private name = '';
  private d = 0;
  private maxBatch = Infinity;
  private readonly url: URL;

  constructor(private readonly fields: FieldsOf<typeof chromaFields>) {
    const text = baseUrlText(fields, 8000) ?? 'http://localhost:8000';
    const url = parseHttpUrl(text);
    if (!url) throw new AifbError('bad-input', `chromadb: "${text}" is not an http(s) URL`);
    this.url = url;
  }

  async open(ctx: OpenContext): Promise<string> {
    const f = this.fields;
    const ssl = this.url.protocol === 'https:';
    const port = this.url.port ? Number(this.url.port) : ssl ? 443 : 80;
    this.client = new ChromaClient({
      host: this.url.hostname.replace(/^\[|\]$/g, ''),
      port,
      ssl,
      ...(f.tenant !== undefined ? { tenant: f.tenant } : {}),
      ...(f.database !== undefined ? { database: f.database } : {}),
    });
    await this.preflight();
    this.d = ctx.d;
    this.name = ownedName(ctx.serviceName, ctx.benchmarkId, f.collection_name, CHROMA_NAMES);
    const hnsw = {
      space: SPACES[ctx.distance],
      ...(f.ef_construction !== undefined ? { ef_construction: f.ef_construction } : {}),
      ...(f.ef_search !== undefined ? { ef_search: f.ef_search } : {}),
      ...(f.max_neighbors !== undefined ? { max_neighbors: f.max_neighbors } : {}),
    };
    try {
      this.collection = await this.client.createCollection({ name: this.name, configuration: { hnsw }, embeddingFunction: null, metadata: { created_by: 'aifb' } });
    } catch (err) {
      if (err instanceof ChromaUniqueError) throw new RunError(`chromadb: collection "${this.name}" already exists; aifb creates its own and will not reuse it`);
      throw err;
    }
    return this.name;
  }

  async insert(b: VectorBatch): Promise<EngineCall> {
    const c = this.need();
    // The server refuses batches above its pre-flight max_batch_size.
    const step = Math.min(b.ids.length, this.maxBatch);
    for (let i = 0; i < b.ids.length; i += step) {
      const part = { ids: b.ids.slice(i, i + step), vectors: b.vectors.subarray(i * this.d, (i + step) * this.d), tags: b.tags.slice(i, i + step) };
      await c.add({ ids: part.ids.map(String), embeddings: rows(part, this.d), metadatas: part.tags.map((tag) => ({ tag })) });
    }
    return {};
  }

  async search(query: Float32Array, k: number, opts: { below?: number }): Promise<Searched> {
    const r = await this.need().query({
      queryEmbeddings: [Array.from(query)],
      nResults: k,
      include: ['distances'],
      ...(opts.below !== undefined ? { where: { tag: { $lt: opts.below } } } : {}),
    });
    return { ids: (r.ids[0] ?? []).map(Number) };
  }

  async get(id: number): Promise<Fetched> {
    const r = await this.need().get({ ids: [String(id)], include: ['embeddings'] });
    const e = r.embeddings[0];
    return { vector: e ? Float32Array.from(e) : undefined };
  }

  async update(b: VectorBatch): Promise<EngineCall> {
    await this.need().update({ ids: b.ids.map(String), embeddings: rows(b, this.d), metadatas: b.tags.map((tag) => ({ tag })) });
    return {};
  }

  async delete(ids: number[]): Promise<EngineCall> {
    await this.need().delete({ ids: ids.map(String) });
    return {};
  }

  async drop(): Promise<void> {
    if (this.client && this.collection) await this.client.deleteCollection({ name: this.name });
    this.collection = undefined;
  }

  async close(): Promise<void> {
    this.client = undefined;
  }

  /** Reachability first (a clear error, not a failed create), and the largest batch the server takes. */
  private async preflight(): Promise<void> {
    try {
      await this.client!.heartbeat();
    } catch (err) {
      throw new AifbError('bad-input', `chromadb: no server answers at ${this.url.origin} (${(err as Error).message}); start one (npx chroma run) or fix host/port`, { cause: err });
    }
    const res = await fetch(new URL('/api/v2/pre-flight-checks', this.url)).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { max_batch_size?: unknown } | undefined;
    if (typeof body?.max_batch_size === 'number' && body.max_batch_size > 0) this.maxBatch = body.max_batch_size;
  }

  private need(): Collection {
    if (!this.collection) throw new Error('chromadb: used before setup');
    return this.collection;
  }
}

/** The ChromaDB adapter for one service; `loadPhase` holds the load's figures after setup. */
export function createAdapter(spec: ServiceOf<typeof chromaFields>): Adapter & VectorAdapter {
  return vectorAdapter(spec, new ChromaEngine(spec.fields));
}
