import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createClient } from 'redis';
import { redisDefinition } from '../../src/services/keyvalue/redis/definition.js';
import { redisErrorClass } from '../../src/services/keyvalue/redis/errors.js';
import { classifyThrown } from '../../src/engine/classify.js';
import type { Adapter, OperationResult } from '../../src/services/contract.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import type { Report } from '../../src/report/types.js';
import { loadRecipeFile } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { createRng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { freePorts, launchLive, type LiveServer } from '../helpers/live-servers.js';
import { notRun } from '../helpers/live.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { serviceOf } from '../../src/services/fields.js';

// The Redis backend against a real redis-server (Debian's, scripts/setup.sh), started by
// aifb's local launcher from the backend's own server.ts. Not run when it is not installed.

const installed = (process.env.PATH ?? '').split(delimiter).some((d) => existsSync(join(d, 'redis-server')));
const quiet = createLogger('error', () => {});
let redis: LiveServer | undefined;
before(async () => {
  if (installed) redis = await launchLive({ name: 'redis', type: 'keyvalue', backend: 'redis', fields: {} }, 1);
});
after(async () => {
  await redis?.close();
});

function server(t: TestContext): LiveServer | undefined {
  if (!redis) notRun(t, 'redis-server is not installed (apt-get install -y redis-server; scripts/setup.sh)');
  return redis;
}

function specOf(port: number, fields: Record<string, unknown> = {}): ServiceSpec {
  return {
    name: 'kv #1',
    type: 'keyvalue',
    backend: 'redis',
    fields: { service_name: 'kv #1', service_type: 'keyvalue', host: '127.0.0.1', port, ...fields },
    load: { mode: 'closed', clients: 1, thinkTimeMs: 0, stages: [], warmup: { kind: 'none' }, durationMs: 1000, requests: undefined },
    mix: [{ operation: 'get', weight: 1 }],
    timeoutMs: 5000,
    seed: 1,
    slo: undefined,
    steps: undefined,
  };
}

async function adapterFor(port: number, fields: Record<string, unknown> = {}): Promise<Adapter> {
  return (await redisDefinition.load()).createAdapter(serviceOf(redisDefinition.fields, specOf(port, fields)));
}
const setupCtx = (benchmarkId = 'bench-1') => ({ benchmarkId, rng: createRng(1), log: quiet, signal: new AbortController().signal });
const teardownCtx = (failed = false, benchmarkId = 'bench-1') => ({ benchmarkId, log: quiet, failed });
const PREFIX = 'aifb:bench-1:kv #1:';

async function once(a: Adapter, operation: string, seed = 1): Promise<OperationResult> {
  return a.execute(a.prepare(operation, createRng(seed)), new AbortController().signal);
}

async function inspector(t: TestContext, port: number) {
  const c = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false } });
  c.on('error', () => {});
  await c.connect();
  t.after(() => c.close().catch(() => c.destroy()));
  return c;
}
const keysUnder = async (c: Awaited<ReturnType<typeof inspector>>, prefix: string) => (await c.keys(`${prefix.replace(/[*?[\]\\]/g, (x) => `\\${x}`)}*`)).length;

test('redis: setup writes initial_keys under its prefix only; get, set and delete with exact byte counts; teardown removes its keys and nothing else', async (t) => {
  const r = server(t);
  if (!r) return;
  const c = await inspector(t, r.port);
  await c.set('someone-else:key', 'kept');
  const a = await adapterFor(r.port, { keys: 50, initial_keys: 50, value_size: '2KB' });
  await a.setup(setupCtx());
  assert.equal(await keysUnder(c, PREFIX), 50);
  assert.deepEqual((a.loadPhase as { keys: number }).keys, 50);
  const got = await once(a, 'get');
  assert.deepEqual([got.ok, got.status, got.bytesIn], [true, 'hit', 2048]);
  const set = await once(a, 'set', 2);
  assert.deepEqual([set.ok, set.bytesOut], [true, 2048]);
  const del = await once(a, 'delete', 3);
  assert.deepEqual([del.ok, del.status], [true, 'deleted']);
  const miss = await once(a, 'get', 3);
  assert.deepEqual([miss.ok, miss.status, miss.bytesIn], [true, 'miss', 0], 'a deleted key is a miss, not an error');
  await a.teardown(teardownCtx());
  assert.equal(await keysUnder(c, PREFIX), 0);
  assert.equal(await c.get('someone-else:key'), 'kept');
});

test('redis: a prefix that already holds keys is refused, and teardown leaves them alone', async (t) => {
  const r = server(t);
  if (!r) return;
  const c = await inspector(t, r.port);
  await c.set('aifb:bench-9:kv #1:0', 'not ours');
  const a = await adapterFor(r.port, { initial_keys: 5 });
  await assert.rejects(a.setup(setupCtx('bench-9')), /already holds keys under aifb:bench-9:kv #1:/);
  await a.teardown(teardownCtx(true, 'bench-9'));
  assert.equal(await c.get('aifb:bench-9:kv #1:0'), 'not ours');
  await c.del('aifb:bench-9:kv #1:0');
});

test('redis: a wrong-typed key is a protocol error, a reply class by its prefix; error replies are classed', async (t) => {
  const r = server(t);
  if (!r) return;
  const c = await inspector(t, r.port);
  const a = await adapterFor(r.port, { keys: 1, initial_keys: 0 });
  await a.setup(setupCtx('bench-3'));
  await c.lPush('aifb:bench-3:kv #1:0', 'a list');
  const err = await once(a, 'get').then(() => undefined, (e: unknown) => e);
  assert.equal(classifyThrown(err, false, false).errorClass, 'protocol');
  await a.teardown(teardownCtx(true, 'bench-3'));
  assert.equal(await keysUnder(c, 'aifb:bench-3:'), 0);
  const noauth = await c.sendCommand(['AUTH', 'nobody', 'wrong']).then(() => undefined, (e: unknown) => e);
  assert.equal(redisErrorClass(noauth), 'auth', String(noauth));
});

test('redis killed (SIGKILL) under an adapter: operations fail at once as connection errors, not after a queue; teardown after restart removes the keys', async (t) => {
  if (!installed) return notRun(t, 'redis-server is not installed');
  const own = await launchLive({ name: 'redis-kill', type: 'keyvalue', backend: 'redis', fields: {} }, 1);
  t.after(() => own.close());
  const a = await adapterFor(own.port, { keys: 20, initial_keys: 20 });
  await a.setup(setupCtx());
  assert.equal((await once(a, 'get')).ok, true);
  await own.kill();
  for (const operation of ['get', 'set', 'delete']) {
    const started = performance.now();
    const err = await once(a, operation).then(() => undefined, (e: unknown) => e);
    assert.ok(err, `${operation} must fail with Redis gone`);
    const cls = classifyThrown(err, false, false).errorClass;
    assert.ok(cls === 'connection_reset' || cls === 'connection_refused', `${operation}: ${cls}`);
    assert.ok(performance.now() - started < 1000, `${operation} failed at once`);
  }
  await own.restart();
  // No snapshot: the restarted server is empty; write one key of the prefix back to see it go.
  const c = await inspector(t, own.port);
  await c.set(`${PREFIX}7`, 'x');
  await a.teardown(teardownCtx(true));
  assert.equal(await keysUnder(c, PREFIX), 0);
});

test('examples/redis.yaml validates; aifb run starts redis-server from the backend server.ts, measures and reports', async (t) => {
  const plan = loadRecipeFile(join(repoRoot, 'examples/redis.yaml'), { registry: builtinRegistry, env: {} });
  assert.deepEqual([plan.services[0]!.type, plan.services[0]!.backend], ['keyvalue', 'redis'], 'redis is the type\'s default backend');
  if (!installed) return notRun(t, 'redis-server is not installed');
  const dir = tempDir(t, 'aifb-redis-run-');
  const port = await freePorts(1);
  const res = await runCli(['run', join(repoRoot, 'examples/redis.yaml'), '--out', 'out'], { cwd: dir, env: { REDIS_PORT: String(port), DURATION: '2s' } });
  assert.equal(res.code, 0, res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const s = (JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report).services.redis!;
  assert.ok(s.requests.successful > 100 && s.requests.failed === 0, JSON.stringify(s.requests));
  assert.equal((s.load_phase as { keys: number }).keys, 10000);
  t.diagnostic(`${s.requests.successful} requests in 2 s, load phase ${JSON.stringify(s.load_phase)}`);
});
