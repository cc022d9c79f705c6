import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { httpDefinition } from '../../src/services/http/definition.js';
import { connectionsFor } from '../../src/services/http/adapter.js';
import type { Adapter, OperationResult } from '../../src/services/contract.js';
import type { LoadProfile, ServiceSpec } from '../../src/recipe/types.js';
import { createRng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { serviceOf } from '../../src/services/fields.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  port: number;
}

const BIG = Buffer.alloc(1024 * 1024, 'a');

/** A real HTTP server on 127.0.0.1 that records what it receives. */
async function startServer(): Promise<{ server: Server; base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      seen.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString(), port: req.socket.remotePort ?? 0 });
      if (url === '/slow') return; // never answers; the client must abort
      if (url.startsWith('/hold')) return void setTimeout(() => res.end('held'), 100);
      if (url === '/big') return void res.end(BIG);
      if (url === '/missing') return void res.writeHead(404).end('nope');
      if (url === '/fail') return void res.writeHead(503).end();
      if (url === '/moved') return void res.writeHead(302, { location: '/ok' }).end();
      res.end(url === '/ok' ? 'hello' : `path ${url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, seen };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

function closed(clients: number, stages: number[] = []): LoadProfile {
  return {
    mode: 'closed',
    clients,
    thinkTimeMs: 0,
    stages: stages.map((target) => ({ durationMs: 1000, target })),
    warmup: { kind: 'none' },
    durationMs: 1000,
    requests: undefined,
  };
}

function open(maxInFlight: number): LoadProfile {
  return { ...closed(1), mode: 'open', rate: 100, arrival: 'poisson', burstiness: 1, maxInFlight } as LoadProfile;
}

function specOf(fields: Record<string, unknown>, load: LoadProfile = closed(1)): ServiceSpec {
  return {
    name: 'web',
    type: 'http',
    backend: undefined,
    fields: { service_name: 'web', service_type: 'http', ...fields },
    load,
    mix: [{ operation: 'request', weight: 1 }],
    timeoutMs: 5000,
    seed: 1,
  };
}

const log = createLogger('error', () => {});

async function started(fields: Record<string, unknown>, load?: LoadProfile): Promise<Adapter> {
  const adapter = (await httpDefinition.load()).createAdapter(serviceOf(httpDefinition.fields, specOf(fields, load)));
  await adapter.setup({ benchmarkId: 'b', rng: createRng(1), log, signal: new AbortController().signal });
  return adapter;
}

const stop = (adapter: Adapter) => adapter.teardown({ benchmarkId: 'b', log, failed: false });

async function once(adapter: Adapter, operation = 'request', signal = new AbortController().signal): Promise<OperationResult> {
  const op = adapter.prepare(operation, createRng(1));
  const result = await adapter.execute(op, signal);
  adapter.release?.(op, result);
  return result;
}

test('the definition loads its adapter lazily; named requests become the operations and the default mix', async () => {
  assert.deepEqual([...httpDefinition.operations], ['request']);
  assert.deepEqual(httpDefinition.defaultMix, { request: 1 });
  assert.equal(typeof (await httpDefinition.load()).createAdapter, 'function');
  assert.deepEqual(httpDefinition.operationsFor!({ url: 'http://x/' }), ['request']);
  assert.deepEqual(httpDefinition.defaultMixFor!({ url: 'http://x/' }), { request: 1 });
  const named = { url: 'http://x/', requests: { a: { path: '/a' }, b: { path: '/b' } } };
  assert.deepEqual(httpDefinition.operationsFor!(named), ['request', 'a', 'b']);
  assert.deepEqual(httpDefinition.defaultMixFor!(named), { a: 0.5, b: 0.5 });
});

test('the recipe fields accept methods, headers, bodies and status specs, and reject bad ones', () => {
  const shape = z.strictObject(httpDefinition.fields);
  assert.equal(shape.safeParse({ method: 'post', headers: { a: 'b' }, body: { x: [1] }, expect_status: [200, '2xx', '400-404'] }).success, true);
  assert.equal(shape.safeParse({ expect_status: '5xx' }).success, true);
  const bad = shape.safeParse({ expect_status: ['abc'] });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error!.issues), /expected an HTTP status/);
  assert.equal(shape.safeParse({ headers: { a: 1 } }).success, false);
  assert.equal(shape.safeParse({ requests: { a: { path: '/a', nope: 1 } } }).success, false);
});

test('check() explains a missing target, bad URLs, credentials and incomplete named requests', () => {
  const check = httpDefinition.check!;
  assert.match(check({})[0]!.message, /needs a target/);
  assert.deepEqual(check({ url: 'http://x/' }), []);
  assert.deepEqual(check({ host: 'node01', port: 8080 }), []);
  assert.deepEqual(check({ service_url: 'https://x:1/api' }), []);
  assert.deepEqual(check({ url: 'ftp://x/' }).map((p) => p.path), [['url']]);
  assert.match(check({ url: 'http://u:secret@x/' })[0]!.message, /headers/);
  assert.match(check({ url: 'http://x/', expect_status: '300-200' })[0]!.message, /empty/);
  const named = check({
    url: 'http://x/',
    requests: { both: { path: '/a', url: 'http://y/' }, neither: {}, ok: { path: 'a' }, 'bad name': { path: '/b' } },
  });
  assert.deepEqual(named.map((p) => p.path), [['requests', 'both'], ['requests', 'neither'], ['requests', 'bad name']]);
  assert.match(check({ requests: { a: { path: '/a' } } })[0]!.message, /no url, service_url or host/);
  assert.deepEqual(check({ requests: { a: { url: 'http://y/a' } } }), []);
  const managed = check({ url: 'http://x/', headers: { 'Transfer-Encoding': 'chunked', 'x-ok': '1' }, requests: { a: { path: '/', headers: { expect: '100-continue' } } } });
  assert.deepEqual(managed.map((p) => p.path), [['headers', 'Transfer-Encoding'], ['requests', 'a', 'headers', 'expect']]);
});

test('a GET returns the status and counts the response body bytes', async () => {
  const { server, base } = await startServer();
  try {
    const adapter = await started({ url: `${base}/ok` });
    assert.deepEqual(await once(adapter), { ok: true, status: 200, bytesIn: 5, bytesOut: 0 });
    await stop(adapter);
    const big = await started({ url: `${base}/big` });
    const r = await once(big);
    assert.deepEqual([r.ok, r.bytesIn], [true, BIG.length]);
    await stop(big);
  } finally {
    await stopServer(server);
  }
});

test('a 404 is a failure with its status, unless expect_status accepts it', async () => {
  const { server, base } = await startServer();
  try {
    const adapter = await started({ url: `${base}/missing` });
    const r = await once(adapter);
    assert.deepEqual([r.ok, r.status, r.errorClass, r.bytesIn], [false, 404, 'http_4xx', 4]);
    await stop(adapter);

    const accepting = await started({ url: `${base}/missing`, expect_status: [404] });
    assert.deepEqual([(await once(accepting)).ok, (await once(accepting)).status], [true, 404]);
    await stop(accepting);

    const fail = await started({ url: `${base}/fail` });
    assert.deepEqual([(await once(fail)).ok, (await once(fail)).errorClass], [false, 'http_5xx']);
    await stop(fail);

    // Redirects are answers (not followed): 3xx succeeds by default, not when only 2xx is expected.
    const moved = await started({ url: `${base}/moved` });
    assert.deepEqual([(await once(moved)).ok, (await once(moved)).status], [true, 302]);
    await stop(moved);
    const strict = await started({ url: `${base}/moved`, expect_status: '2xx' });
    assert.deepEqual([(await once(strict)).ok, (await once(strict)).errorClass], [false, 'protocol']);
    await stop(strict);
  } finally {
    await stopServer(server);
  }
});

test('headers and a JSON body arrive at the server; bytesOut is the body length', async () => {
  const { server, base, seen } = await startServer();
  try {
    const body = { model: 'm', input: ['a', 'b'], n: 3 };
    const adapter = await started({ url: `${base}/echo?x=1`, method: 'post', headers: { 'X-Aifb': 'yes', Authorization: 'Bearer t' }, body });
    const r = await once(adapter);
    const sent = Buffer.byteLength(JSON.stringify(body));
    assert.deepEqual([r.ok, r.status, r.bytesOut], [true, 200, sent]);
    const got = seen.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/echo?x=1');
    assert.equal(got.headers['x-aifb'], 'yes');
    assert.equal(got.headers.authorization, 'Bearer t');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(got.body), body);
    await stop(adapter);

    const text = await started({ url: `${base}/echo`, method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'plain text' });
    assert.equal((await once(text)).bytesOut, 10);
    assert.deepEqual([seen.at(-1)!.method, seen.at(-1)!.headers['content-type'], seen.at(-1)!.body], ['PUT', 'text/plain', 'plain text']);
    await stop(text);
  } finally {
    await stopServer(server);
  }
});

test('the abort signal ends a request the server never answers', async () => {
  const { server, base } = await startServer();
  try {
    const adapter = await started({ url: `${base}/slow` });
    const ac = new AbortController();
    const began = performance.now();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(once(adapter, 'request', ac.signal), { name: 'AbortError' });
    assert.ok(performance.now() - began < 2000, 'aborted promptly');
    await stop(adapter);
  } finally {
    await stopServer(server);
  }
});

test('named requests become operations; request picks among them; host and port form the base URL', async () => {
  const { server, base, seen } = await startServer();
  const port = Number(new URL(base).port);
  try {
    const adapter = await started({
      host: '127.0.0.1',
      port,
      headers: { 'x-common': 'c' },
      requests: {
        list: { path: '/items?page=2' },
        create: { path: '/items', method: 'POST', body: { name: 'n' }, headers: { 'x-op': 'create' } },
        gone: { url: `${base}/missing`, expect_status: ['4xx'] },
      },
    });
    assert.deepEqual([(await once(adapter, 'list')).ok, seen.at(-1)!.url, seen.at(-1)!.method], [true, '/items?page=2', 'GET']);
    const created = await once(adapter, 'create');
    assert.deepEqual([created.ok, created.bytesOut], [true, Buffer.byteLength('{"name":"n"}')]);
    assert.deepEqual([seen.at(-1)!.method, seen.at(-1)!.headers['x-op'], seen.at(-1)!.headers['x-common']], ['POST', 'create', 'c']);
    assert.deepEqual([(await once(adapter, 'gone')).ok, (await once(adapter, 'gone')).status], [true, 404]);

    const rng = createRng(4);
    const urls = new Set<string>();
    for (let i = 0; i < 30; i++) urls.add((adapter.prepare('request', rng) as { dispatch: { path: string } }).dispatch.path);
    assert.deepEqual([...urls].sort(), ['/items', '/items?page=2', '/missing']);
    assert.throws(() => adapter.prepare('nonsense', rng), /no request named/);
    await stop(adapter);
  } finally {
    await stopServer(server);
  }
});

test('the pool opens one connection per client (closed) or per max_in_flight (open)', async () => {
  assert.equal(connectionsFor(closed(3)), 3);
  assert.equal(connectionsFor(closed(0, [2, 10, 4])), 10);
  assert.equal(connectionsFor(closed(0)), 1);
  assert.equal(connectionsFor(open(7)), 7);

  const { server, base, seen } = await startServer();
  try {
    for (const [load, expected] of [[closed(2), 2], [open(3), 3]] as const) {
      seen.length = 0;
      const adapter = await started({ url: `${base}/hold` }, load);
      const results = await Promise.all(Array.from({ length: 9 }, () => once(adapter)));
      assert.ok(results.every((r) => r.ok && r.bytesIn === 4));
      assert.equal(new Set(seen.map((s) => s.port)).size, expected);
      await stop(adapter);
    }
  } finally {
    await stopServer(server);
  }
});

test('teardown closes the pool and its connections', async () => {
  const { server, base } = await startServer();
  try {
    const adapter = await started({ url: `${base}/ok` });
    await once(adapter);
    const count = () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
    assert.equal(await count(), 1);
    await stop(adapter);
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await count(), 0);
    await assert.rejects(once(adapter), /closed|destroyed/i);
  } finally {
    await stopServer(server);
  }
});
