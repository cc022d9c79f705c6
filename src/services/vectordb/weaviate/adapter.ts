import type { Adapter } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import { AifbError, RunError } from '../../../errors.js';
import { ProtocolError } from '../../../engine/classify.js';
import { peakConcurrency } from '../../shared/concurrency.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';
import { vectorAdapter, type VectorAdapter } from '../common/adapter.js';
import type { EngineCall, Fetched, OpenContext, Searched, VectorBatch, VectorEngine } from '../common/engine.js';
import type { Distance, SearchParams, weaviateFields } from '../common/fields.js';
import { WEAVIATE_NAMES, ownedName } from '../common/naming.js';
import { WeaviateRest, errorText } from './rest.js';
import type { GrpcSearcher } from './grpc.js';

const DISTANCES: Record<Distance, string> = { l2: 'l2-squared', cosine: 'cosine', ip: 'dot' };
/** Weaviate's default ef: −1 lets it pick ef from the limit (dynamic ef). */
const DYNAMIC_EF = -1;

/** Weaviate wants UUIDs; the benchmark's integer id is kept in the last 12 hex digits (and as property vid). */
export const uuidOf = (id: number) => `00000000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;
const vectorText = (v: Float32Array) => Array.prototype.join.call(v, ',');

/**
 * Weaviate over REST (schema, batch import, objects) and GraphQL (nearVector). Tested
 * against weaviate-server 1.35.2 (test/vectordb/weaviate-live.test.ts) and a fixture that
 * answers like it. REST rather than gRPC: see docs/real-servers-storage.md.
 */
class WeaviateEngine implements VectorEngine {
  readonly paramsScope = 'collection';
  private rest: WeaviateRest | undefined;
  private cls = '';
  private d = 0;
  private flat = false;
  private grpc: GrpcSearcher | undefined;

  constructor(private readonly spec: ServiceOf<typeof weaviateFields>) {}

  async open(ctx: OpenContext): Promise<string> {
    const f = this.spec.fields;
    const text = baseUrlText(f, 8080) ?? 'http://localhost:8080';
    const url = parseHttpUrl(text);
    if (!url) throw new AifbError('bad-input', `weaviate: "${text}" is not an http(s) URL`);
    this.rest = new WeaviateRest(url.origin, peakConcurrency(this.spec.load), this.spec.timeoutMs, f.api_key);
    try {
      await this.rest.call('GET', '/v1/.well-known/ready');
    } catch (err) {
      throw new AifbError('bad-input', `weaviate: not ready at ${url.origin} (${(err as Error).message})`, { cause: err });
    }
    if (f.protocol === 'grpc') this.grpc = await this.openGrpc(url);
    this.d = ctx.d;
    this.cls = ownedName(ctx.serviceName, ctx.benchmarkId, f.collection_name, WEAVIATE_NAMES);
    const existing = await this.rest.call('GET', `/v1/schema/${this.cls}`, undefined, [200, 404]);
    if (existing.status === 200) throw new RunError(`weaviate: class ${this.cls} already exists; aifb creates its own and will not reuse it`);
    this.flat = f.index === 'flat';
    // A flat class keeps no graph: ef, efConstruction and maxConnections are HNSW's alone.
    const vectorIndexConfig = this.flat
      ? { distance: DISTANCES[ctx.distance] }
      : {
          distance: DISTANCES[ctx.distance],
          ...(f.ef_construction !== undefined ? { efConstruction: f.ef_construction } : {}),
          ...(f.max_neighbors !== undefined ? { maxConnections: f.max_neighbors } : {}),
          ...(f.ef_search !== undefined ? { ef: f.ef_search } : {}),
        };
    await this.rest.call('POST', '/v1/schema', {
      class: this.cls,
      description: 'created by aifb; removed when the benchmark ends',
      vectorizer: 'none',
      vectorIndexType: this.flat ? 'flat' : 'hnsw',
      vectorIndexConfig,
      properties: [
        { name: 'vid', dataType: ['int'] },
        { name: 'tag', dataType: ['int'] },
      ],
    });
    return this.cls;
  }

  async insert(b: VectorBatch, signal: AbortSignal): Promise<EngineCall> {
    const objects = b.ids.map((id, i) => ({ class: this.cls, id: uuidOf(id), properties: { vid: id, tag: b.tags[i] }, vector: Array.from(b.vectors.subarray(i * this.d, (i + 1) * this.d)) }));
    const r = await this.need().call('POST', '/v1/batch/objects', { objects }, [200], signal);
    // A batch answers 200 even when objects failed: each carries its own result.errors.
    if (!Array.isArray(r.body)) throw new ProtocolError('weaviate batch: answer is not an array of objects');
    const failed = r.body.map((o: { result?: { errors?: unknown } }) => errorText(o?.result?.errors)).filter((e): e is string => e !== undefined);
    if (failed.length > 0) throw new RunError(`weaviate batch: ${failed.length} of ${objects.length} objects failed: ${failed[0]}`);
    return { bytesIn: r.bytes, bytesOut: r.sent };
  }

  async search(query: Float32Array, k: number, opts: { below?: number }, signal: AbortSignal): Promise<Searched> {
    if (this.grpc) return this.grpc.search(this.cls, query, k, opts.below);
    const where = opts.below !== undefined ? `, where: {path: ["tag"], operator: LessThan, valueInt: ${opts.below}}` : '';
    const gql = `{ Get { ${this.cls}(nearVector: {vector: [${vectorText(query)}]}, limit: ${k}${where}) { vid _additional { id distance } } } }`;
    const r = await this.need().call('POST', '/v1/graphql', { query: gql }, [200], signal);
    const body = r.body as { data?: { Get?: Record<string, unknown> }; errors?: unknown };
    // GraphQL reports query errors with HTTP 200.
    if (body?.errors) throw new RunError(`weaviate graphql: ${errorText(body) ?? 'error'}`);
    const hits = body?.data?.Get?.[this.cls];
    if (!Array.isArray(hits)) throw new ProtocolError(`weaviate graphql: no data.Get.${this.cls} list in the answer`);
    return { ids: hits.map((h: { vid?: unknown }) => Number(h.vid)), bytesIn: r.bytes, bytesOut: r.sent };
  }

  /** ef is a class setting: read the class, change vectorIndexConfig.ef, put it back. */
  async applyParams(params: SearchParams): Promise<void> {
    const rest = this.need();
    const current = (await rest.call('GET', `/v1/schema/${this.cls}`)).body as { vectorIndexConfig?: Record<string, unknown> };
    const ef = params.ef_search ?? this.spec.fields.ef_search ?? DYNAMIC_EF;
    await rest.call('PUT', `/v1/schema/${this.cls}`, { ...current, vectorIndexConfig: { ...(current?.vectorIndexConfig ?? {}), ef } });
  }

  async get(id: number, signal: AbortSignal): Promise<Fetched> {
    const r = await this.need().call('GET', `/v1/objects/${this.cls}/${uuidOf(id)}?include=vector`, undefined, [200, 404], signal);
    const v = (r.body as { vector?: unknown })?.vector;
    if (r.status === 404) return { vector: undefined, bytesIn: r.bytes };
    if (!Array.isArray(v)) throw new ProtocolError(`weaviate: object ${uuidOf(id)} came back without its vector`);
    return { vector: Float32Array.from(v as number[]), bytesIn: r.bytes };
  }

  async update(b: VectorBatch, signal: AbortSignal): Promise<EngineCall> {
    const id = b.ids[0]!;
    const body = { class: this.cls, id: uuidOf(id), properties: { vid: id, tag: b.tags[0] }, vector: Array.from(b.vectors.subarray(0, this.d)) };
    const r = await this.need().call('PUT', `/v1/objects/${this.cls}/${uuidOf(id)}`, body, [200], signal);
    return { bytesIn: r.bytes, bytesOut: r.sent };
  }

  async delete(ids: number[], signal: AbortSignal): Promise<EngineCall> {
    for (const id of ids) await this.need().call('DELETE', `/v1/objects/${this.cls}/${uuidOf(id)}`, undefined, [204], signal);
    return {};
  }

  async drop(): Promise<void> {
    if (this.rest && this.cls) await this.rest.call('DELETE', `/v1/schema/${this.cls}`, undefined, [200, 204]);
  }

  async close(): Promise<void> {
    const r = this.rest;
    const g = this.grpc;
    this.rest = undefined;
    this.grpc = undefined;
    await Promise.all([r?.close(), g?.close()]);
  }

  /**
   * gRPC port: grpc_port, else the HTTP port + 1 when aifb started the server (its
   * built-in description puts gRPC there), else Weaviate's default 50051.
   */
  private async openGrpc(url: URL): Promise<GrpcSearcher> {
    const f = this.spec.fields;
    const secure = url.protocol === 'https:';
    const httpPort = Number(url.port || (secure ? 443 : 80));
    const grpcPort = f.grpc_port ?? (f.launcher?.type === 'local' || f.launcher?.type === 'slurm' ? httpPort + 1 : 50051);
    const { connectGrpc } = await import('./grpc.js');
    try {
      return await connectGrpc({ host: url.hostname, httpPort, secure, grpcPort, apiKey: f.api_key, timeoutMs: this.spec.timeoutMs });
    } catch (err) {
      throw new RunError(`weaviate: cannot use gRPC at ${url.hostname}:${grpcPort} (${(err as Error).message.split('\n')[0]}); set grpc_port, or protocol: rest`, { cause: err });
    }
  }

  private need(): WeaviateRest {
    if (!this.rest) throw new Error('weaviate: used before setup or after teardown');
    return this.rest;
  }
}

/** The Weaviate adapter for one service; `loadPhase` holds the load's figures after setup. */
export function createAdapter(spec: ServiceOf<typeof weaviateFields>): Adapter & VectorAdapter {
  return vectorAdapter(spec, new WeaviateEngine(spec));
}
