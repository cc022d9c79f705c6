import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A stand-in for Weaviate's REST and GraphQL API: it checks every request against the
 * shapes aifb must send (recording violations for the test to assert on) and answers as
 * weaviate-server 1.35.2 was seen to answer (docs/real-servers-storage.md), searching
 * exactly. The backend itself is tested against the live server in weaviate-live.test.ts;
 * this fixture covers what a live server cannot be made to do on demand (a failing batch).
 */
export interface WeaviateFixture {
  url: string;
  port: number;
  /** Requests that broke the documented shapes. */
  violations: string[];
  /** Every request, `METHOD path`. */
  log: string[];
  classes: Map<string, { config: Record<string, unknown>; objects: Map<string, { vector: number[]; properties: Record<string, unknown> }> }>;
  /** Fail the next batch's objects with this per-object error (Weaviate answers 200 regardless). */
  failNextBatch?: string;
  close(): Promise<void>;
}

const CLASS = /^[A-Z][_0-9A-Za-z]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DISTANCES = ['l2-squared', 'cosine', 'dot'];
/** What a GET of a class shows for the index settings it was not given (1.35.2). */
const INDEX_DEFAULTS: Record<string, Record<string, unknown>> = {
  hnsw: { ef: -1, efConstruction: 128, maxConnections: 32, dynamicEfMin: 100, dynamicEfMax: 500, dynamicEfFactor: 8, flatSearchCutoff: 40000 },
  flat: { vectorCacheMaxObjects: 1e12 },
};

function dist(kind: string, a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0, l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
    l2 += (a[i]! - b[i]!) ** 2;
  }
  return kind === 'cosine' ? 1 - dot / Math.sqrt(na * nb) : kind === 'dot' ? -dot : l2;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text === '' ? undefined : JSON.parse(text);
}

/** Starts the fixture on a free loopback port. */
export async function startWeaviateFixture(): Promise<WeaviateFixture> {
  const f: WeaviateFixture = { url: '', port: 0, violations: [], log: [], classes: new Map(), close: async () => {} };
  const bad = (why: string) => f.violations.push(why);
  const send = (res: ServerResponse, status: number, json?: unknown) => {
    res.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
    res.end(json === undefined ? undefined : JSON.stringify(json));
  };
  const error = (res: ServerResponse, status: number, message: string) => send(res, status, { error: [{ message }] });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    f.log.push(`${req.method} ${path}`);
    const json = await body(req);
    if (json !== undefined && req.headers['content-type'] !== 'application/json') bad(`${path}: JSON body without content-type application/json`);
    if (req.method === 'GET' && path === '/v1/.well-known/ready') return send(res, 200);
    if (req.method === 'POST' && path === '/v1/schema') {
      const c = json as { class?: string; vectorizer?: string; vectorIndexType?: string; vectorIndexConfig?: Record<string, unknown>; properties?: { name: string; dataType: string[] }[] };
      // The server capitalises a class name's first letter rather than refusing it.
      const name = c?.class ? c.class[0]!.toUpperCase() + c.class.slice(1) : '';
      if (!CLASS.test(name)) return error(res, 422, `invalid class name ${c?.class}`);
      if (c.vectorizer !== 'none') bad('schema: vectorizer must be "none" to bring our own vectors');
      const type = c.vectorIndexType ?? 'hnsw';
      if (!(type in INDEX_DEFAULTS)) bad(`schema: vectorIndexType ${type} is neither hnsw nor flat`);
      if (!DISTANCES.includes(String(c.vectorIndexConfig?.distance))) bad(`schema: unknown distance ${c.vectorIndexConfig?.distance}`);
      if (!c.properties?.every((p) => typeof p.name === 'string' && Array.isArray(p.dataType))) bad('schema: properties need name and dataType[]');
      if (f.classes.has(name)) return error(res, 422, `class name ${name} already exists`);
      const config = { ...c, class: name, vectorIndexType: type, vectorIndexConfig: { ...INDEX_DEFAULTS[type], ...c.vectorIndexConfig } };
      f.classes.set(name, { config, objects: new Map() });
      return send(res, 200, config);
    }
    const schema = /^\/v1\/schema\/([^/]+)$/.exec(path);
    if (schema) {
      const c = f.classes.get(schema[1]!);
      if (req.method === 'GET') return c ? send(res, 200, c.config) : error(res, 404, 'not found');
      // Deleting a class that is not there answers 200 too.
      if (req.method === 'DELETE') return (f.classes.delete(schema[1]!), send(res, 200));
      if (req.method === 'PUT') {
        if (!c) return error(res, 404, 'not found');
        const next = json as Record<string, unknown>;
        if (next.class !== schema[1]) bad('schema PUT: body must be the whole class with the same name');
        const was = (c.config.vectorIndexConfig as { distance?: unknown }).distance;
        const now = (next.vectorIndexConfig as { distance?: unknown } | undefined)?.distance;
        if (now !== undefined && now !== was) {
          return error(res, 422, `updating schema: TYPE_UPDATE_CLASS: bad request :parse class update: validate vector index config: distance is immutable: attempted change from "${was}" to "${now}"`);
        }
        c.config = next;
        return send(res, 200, next);
      }
    }
    if (req.method === 'POST' && path === '/v1/batch/objects') {
      const objs = (json as { objects?: unknown[] })?.objects;
      if (!Array.isArray(objs)) return error(res, 422, 'objects must be an array');
      const fail = f.failNextBatch;
      f.failNextBatch = undefined;
      const out = objs.map((o) => {
        const x = o as { class?: string; id?: string; vector?: number[]; properties?: Record<string, unknown> };
        if (!f.classes.has(x.class ?? '') || !x.id || !UUID.test(x.id) || !Array.isArray(x.vector)) bad(`batch: object needs a known class, a UUID id and a vector (${JSON.stringify(x).slice(0, 80)})`);
        if (fail) return { class: x.class, id: x.id, result: { errors: { error: [{ message: fail }] } } };
        // Auto-schema (on by default): an unknown class is created, and the object succeeds.
        if (x.class && !f.classes.has(x.class)) f.classes.set(x.class, { config: { class: x.class, vectorIndexType: 'hnsw', vectorIndexConfig: { ...INDEX_DEFAULTS.hnsw, distance: 'cosine' } }, objects: new Map() });
        f.classes.get(x.class ?? '')?.objects.set(x.id!, { vector: x.vector!, properties: x.properties ?? {} });
        return { class: x.class, id: x.id, properties: x.properties ?? {}, vector: x.vector, result: { status: 'SUCCESS' } };
      });
      return send(res, 200, out);
    }
    const obj = /^\/v1\/objects\/([^/]+)\/([^/]+)$/.exec(path);
    if (obj) {
      const c = f.classes.get(obj[1]!);
      const o = c?.objects.get(obj[2]!);
      if (req.method === 'GET') {
        if (url.searchParams.get('include') !== 'vector') bad('objects GET: include=vector is needed to get the vector back');
        return o ? send(res, 200, { class: obj[1], id: obj[2], properties: o.properties, vector: o.vector }) : send(res, 404);
      }
      // Deleting an object that is not there answers 204 too.
      if (req.method === 'DELETE') return (c?.objects.delete(obj[2]!), send(res, 204));
      if (req.method === 'PUT') {
        const x = json as { class?: string; id?: string; vector?: number[]; properties?: Record<string, unknown> };
        if (x.class !== obj[1] || x.id !== obj[2]) bad('objects PUT: class and id in the body must match the path');
        // Replacing an object that is not there is a 500 on the real server, not a 404.
        if (!o) return error(res, 500, `no object with id '${obj[2]}'`);
        c!.objects.set(obj[2]!, { vector: x.vector ?? o.vector, properties: x.properties ?? {} });
        return send(res, 200, x);
      }
    }
    if (req.method === 'POST' && path === '/v1/graphql') return graphql(res, String((json as { query?: unknown })?.query ?? ''));
    return error(res, 404, `no route ${req.method} ${path}`);
  };

  const graphql = (res: ServerResponse, query: string) => {
    const m = /^\{ Get \{ ([A-Za-z_0-9]+)\(nearVector: \{vector: \[([^\]]*)\]\}, limit: (\d+)(?:, where: \{path: \["tag"\], operator: LessThan, valueInt: (\d+)\})?\) \{ vid _additional \{ id distance \} \} \} \}$/.exec(query);
    if (!m) {
      bad(`graphql: unexpected query ${query.slice(0, 120)}`);
      return send(res, 200, { errors: [{ message: 'Syntax Error' }] });
    }
    const c = f.classes.get(m[1]!);
    if (!c) return send(res, 200, { errors: [{ message: `Cannot query field "${m[1]}" on type "GetObjectsObj".` }] });
    const vector = m[2]!.split(',').map(Number);
    const kind = String(c.config.vectorIndexConfig && (c.config.vectorIndexConfig as { distance?: unknown }).distance);
    const below = m[4] === undefined ? Infinity : Number(m[4]);
    const hits = [...c.objects.entries()]
      .filter(([, o]) => Number(o.properties.tag) < below)
      .map(([id, o]) => ({ vid: o.properties.vid, _additional: { id, distance: dist(kind, vector, o.vector) } }))
      .sort((a, b) => a._additional.distance - b._additional.distance)
      .slice(0, Number(m[3]));
    return send(res, 200, { data: { Get: { [m[1]!]: hits } } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => error(res, 500, err.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  f.port = (server.address() as { port: number }).port;
  f.url = `http://127.0.0.1:${f.port}`;
  f.close = () => new Promise<void>((r) => server.close(() => r()));
  return f;
}
