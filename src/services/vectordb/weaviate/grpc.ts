import type { Searched } from '../common/engine.js';
import { ProtocolError } from '../../../engine/classify.js';

/** Searches over Weaviate's gRPC API (what its own clients use for queries since 1.23). */
export interface GrpcSearcher {
  search(cls: string, query: Float32Array, k: number, below: number | undefined): Promise<Searched>;
  close(): Promise<void>;
}

/**
 * Connects weaviate-client 3.12 (the last line that runs on Node 20) over gRPC. It is
 * loaded only here, so REST recipes never load it. Schema, import, get, update and delete
 * stay on REST: only the timed searches change protocol, which is what a comparison of
 * the two needs. The client's queries take no AbortSignal: a search cut by the end of a
 * run finishes (or times out) on its own.
 */
export async function connectGrpc(o: { host: string; httpPort: number; secure: boolean; grpcPort: number; apiKey: string | undefined; timeoutMs: number }): Promise<GrpcSearcher> {
  const weaviate = (await import('weaviate-client')).default;
  const seconds = Math.max(1, Math.ceil(o.timeoutMs / 1000));
  const client = await weaviate.connectToCustom({
    httpHost: o.host,
    httpPort: o.httpPort,
    httpSecure: o.secure,
    grpcHost: o.host,
    grpcPort: o.grpcPort,
    grpcSecure: o.secure,
    ...(o.apiKey ? { authCredentials: new weaviate.ApiKey(o.apiKey) } : {}),
    timeout: { query: seconds, init: seconds },
  });
  return {
    async search(cls, query, k, below) {
      const col = client.collections.get<{ vid: number; tag: number }>(cls);
      const filters = below !== undefined ? col.filter.byProperty('tag').lessThan(below) : undefined;
      const r = await col.query.nearVector(Array.from(query), { limit: k, returnProperties: ['vid'], ...(filters ? { filters } : {}) });
      const ids = r.objects.map((obj) => Number(obj.properties.vid));
      if (ids.some((id) => !Number.isFinite(id))) throw new ProtocolError(`weaviate grpc: a hit of ${cls} came back without its vid`);
      return { ids };
    },
    close: () => client.close(),
  };
}
