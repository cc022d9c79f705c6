import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOnce, portTaken, ReadinessError, resolveProbe, tailLines, waitReady } from '../../src/launch/readiness.js';
import { tempDir } from '../helpers/cli.js';
import { freePort } from './helpers.js';

async function listen(t: { after(fn: () => Promise<void>): void }, handler: (url: string) => number): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    res.statusCode = handler(req.url ?? '/');
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, hits: () => hits };
}

test('http readiness: 2xx is ready, anything else is not, with what was seen', async (t) => {
  const s = await listen(t, (url) => (url === '/health' ? 204 : 503));
  assert.equal(await checkOnce(resolveProbe({ http: '/health' }, { host: '127.0.0.1', port: s.port })), undefined);
  assert.match((await checkOnce(resolveProbe({ http: '/other' }, { host: '127.0.0.1', port: s.port }))) ?? '', /HTTP 503/);
  const dead = await freePort();
  assert.match((await checkOnce(resolveProbe({ http: '/health' }, { host: '127.0.0.1', port: dead }))) ?? '', /ECONNREFUSED/);
});

test('tcp, log and all-of readiness', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'service.log');
  const s = await listen(t, () => 200);
  assert.equal(await checkOnce(resolveProbe(undefined, { host: '127.0.0.1', port: s.port })), undefined, 'no spec means a port check');
  assert.equal(await portTaken('127.0.0.1', s.port) !== undefined, true);
  assert.equal(await portTaken('127.0.0.1', await freePort()), undefined);
  const all = resolveProbe([{ tcp: true }, { log: 'ready to accept connections' }], { host: '127.0.0.1', port: s.port, logFile: log });
  assert.match((await checkOnce(all)) ?? '', /no line matching/);
  writeFileSync(log, 'starting\ndatabase system is ready to accept connections\n');
  assert.equal(await checkOnce(all), undefined);
});

test('waitReady returns as soon as the service answers (no fixed sleep)', async (t) => {
  const port = await freePort();
  const started = Date.now();
  let server: Server | undefined;
  setTimeout(() => {
    server = createServer((_q, r) => r.end('ok')).listen(port, '127.0.0.1');
  }, 300);
  t.after(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));
  await waitReady(resolveProbe({ http: '/' }, { host: '127.0.0.1', port }), { timeoutMs: 10_000, intervalMs: 50 });
  const took = Date.now() - started;
  assert.ok(took >= 290 && took < 1500, `ready after ${took} ms`);
});

test('a service that never gets ready: the error names the deadline and shows the log tail', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'svc.log');
  writeFileSync(log, Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\nFATAL: model file not found\n');
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(
    waitReady(resolveProbe({ http: '/health' }, { host: '127.0.0.1', port }), { timeoutMs: 600, logFile: log, what: 'service "llm"' }),
    (err: unknown) => {
      assert.ok(err instanceof ReadinessError);
      assert.match(err.message, /service "llm" was not ready within 1 s/);
      assert.match(err.message, /ECONNREFUSED/);
      assert.match(err.message, /\| FATAL: model file not found/);
      assert.ok(!err.message.includes('line 5\n'), 'only the tail');
      return true;
    },
  );
  assert.ok(Date.now() - started < 2000);
  assert.deepEqual(tailLines(log, 2), ['line 39', 'FATAL: model file not found']);
});

test('waitReady stops at once when the service goes away, and a port answered by someone else is not ready', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'svc.log');
  appendFileSync(log, 'bind: address already in use\n');
  const other = await listen(t, () => 200);
  await assert.rejects(
    waitReady(resolveProbe({ http: '/' }, { host: '127.0.0.1', port: other.port }), { timeoutMs: 5000, logFile: log, gone: () => 'exited with code 1' }),
    /exited with code 1 before it was ready \(last check: answered, but not from this service\)[\s\S]*address already in use/,
  );
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(waitReady(resolveProbe({ tcp: true }, { host: '127.0.0.1', port: await freePort() }), { timeoutMs: 10_000, signal: ac.signal }), /stopped while waiting/);
});
