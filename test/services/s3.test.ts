import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Definition } from '../../src/services/s3/aws/definition.js';
import { fieldsOf } from '../../src/services/fields.js';
import { concurrencyOf } from '../../src/services/s3/aws/adapter.js';
import type { LoadProfile } from '../../src/recipe/types.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { createRng } from '../../src/util/rng.js';
import {
  BUCKET,
  LOAD,
  PREFIX,
  adapterFor,
  assertBucketGone,
  bodyOf,
  inspector,
  keysUnder,
  once,
  setupCtx,
  startS3Server,
  teardownCtx,
} from '../helpers/s3-server.js';

// Operations, byte counts, multipart and verification against a real s3rver
// (test/helpers/s3-server.ts); s3-safety.test.ts covers what a run may touch and failures.

test('the definition loads its adapter lazily; default mix is warp mixed; stat is accepted', async () => {
  assert.equal(typeof (await s3Definition.load()).createAdapter, 'function');
  assert.deepEqual(s3Definition.defaultMix, { get: 0.45, head: 0.3, put: 0.15, delete: 0.1 });
  for (const op of ['put', 'get', 'head', 'stat', 'list', 'delete', 'multipart_put']) assert.ok(s3Definition.operations.includes(op), op);
  assert.equal(s3Definition.isDefault, true);
  assert.equal(s3Definition.backend, 'aws-sdk');
  const shape = z.strictObject(s3Definition.fields);
  assert.equal(shape.safeParse({ part_size: '8MB', multipart_threshold: 16777216, verify_checksums: true, initial_objects: 3 }).success, true);
  assert.equal(shape.safeParse({ part_size: 'big' }).success, false);
  assert.equal(shape.safeParse({ list_max_keys: 5000 }).success, false);
});

test('check() asks for bucket and keys, and rejects bad endpoints, prefixes and part sizes', () => {
  const check = (service: Record<string, unknown>) => s3Definition.check!(fieldsOf(s3Definition.fields, service));
  const ok = { bucket_name: 'b-1', access_key: 'a', secret_key: 's' };
  assert.deepEqual(check(ok), []);
  assert.deepEqual(check({ ...ok, endpoint_url: 'http://127.0.0.1:9000' }), []);
  assert.deepEqual(check({ ...ok, host: 'minio', port: 9000 }), []);
  const paths = (service: Record<string, unknown>) => check(service).map((p) => p.path.join('.'));
  assert.deepEqual(paths({ access_key: 'a', secret_key: 's' }), ['bucket_name']);
  assert.deepEqual(paths({ bucket_name: 'b', access_key: 'a' }), ['secret_key']);
  assert.match(check({ bucket_name: 'b' })[0]!.message, /\$\{AWS_ACCESS_KEY_ID\}/);
  assert.deepEqual(paths({ ...ok, endpoint_url: 'minio:9000' }), ['endpoint_url']);
  assert.deepEqual(paths({ ...ok, service_url: 'ftp://x' }), ['service_url']);
  assert.match(check({ ...ok, endpoint_url: 'http://u:pw@minio:9000' })[0]!.message, /user name or password/);
  assert.deepEqual(paths({ ...ok, key_prefix: '/abs' }), ['key_prefix']);
  assert.match(check({ ...ok, part_size: '1MB' })[0]!.message, /at least 5/);
  assert.deepEqual(paths({ ...ok, part_size: '5MB', object_sizes: { '1KB': 0.5, '100GB': 0.5 } }), ['object_sizes.100GB']);
});

test('concurrencyOf sizes the socket pool from the load profile', () => {
  assert.equal(concurrencyOf({ ...LOAD, clients: 3, stages: [{ durationMs: 1, target: 7.2 }] }), 8);
  assert.equal(concurrencyOf({ ...LOAD, mode: 'open', rate: 10, arrival: 'poisson', burstiness: 1, maxInFlight: 64, exactCount: true } as LoadProfile), 64);
});

test('every operation works against s3rver with correct byte counts; GET reports TTFB within its duration', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const adapter = await adapterFor({ endpoint_url: server.endpoint, object_sizes: { '1KB': 0.5, '64KB': 0.5 }, initial_objects: 0, verify_checksums: true });
  await adapter.setup(setupCtx());
  const sizes = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const r = await once(adapter, 'put', i);
    assert.deepEqual([r.ok, r.status, r.bytesIn], [true, 200, 0]);
    sizes.add(r.bytesOut!);
  }
  assert.deepEqual([...sizes].sort((a, b) => a - b), [1024, 65536]);
  const keys = await keysUnder(s3, PREFIX);
  assert.equal(keys.length, 12);

  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    const r = await once(adapter, 'get', i);
    const duration = performance.now() - started;
    assert.equal(r.ok, true, r.message);
    assert.ok(r.bytesIn === 1024 || r.bytesIn === 65536, String(r.bytesIn));
    assert.equal(r.bytesOut, 0);
    const ttfb = r.extra!.ttfb_ms as number;
    assert.ok(ttfb > 0 && ttfb <= duration, `ttfb ${ttfb} duration ${duration}`);
  }
  for (const op of ['head', 'stat']) assert.deepEqual(Object.values(await once(adapter, op)).slice(0, 4), [true, 200, 0, 0]);

  const list = await once(adapter, 'list');
  assert.equal(list.ok, true);
  assert.equal(list.extra!.keys, 12);
  assert.ok(list.bytesIn! > 12 * PREFIX.length, `list answer of ${list.bytesIn} bytes`);

  const del = await once(adapter, 'delete');
  assert.deepEqual([del.ok, del.bytesIn, del.bytesOut], [true, 0, 0]);
  assert.equal((await keysUnder(s3, PREFIX)).length, 11);

  const mp = await once(adapter, 'multipart_put');
  assert.equal(mp.ok, true, mp.message);
  assert.equal(mp.extra!.parts, 1);
  assert.equal((await keysUnder(s3, PREFIX)).length, 12);

  await adapter.teardown(teardownCtx());
  await assertBucketGone(s3);
});

test('put goes multipart above multipart_threshold, and the object reads back whole', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const fields = { endpoint_url: server.endpoint, object_sizes: { '11MB': 1 }, multipart_threshold: '8MB', part_size: '5MB', initial_objects: 0 };
  const adapter = await adapterFor({ ...fields, verify_checksums: true }, { put: 0.5, get: 0.5 });
  await adapter.setup(setupCtx());
  const put = await once(adapter, 'put');
  assert.deepEqual([put.ok, put.bytesOut, put.extra?.parts], [true, 11 * 1024 * 1024, 3]);
  const [key] = await keysUnder(s3, PREFIX);
  assert.equal((await bodyOf(s3, key!)).length, 11 * 1024 * 1024);
  const get = await once(adapter, 'get');
  assert.deepEqual([get.ok, get.bytesIn], [true, 11 * 1024 * 1024], get.message);
  await adapter.teardown(teardownCtx());

  // Below the threshold, put stays a single PUT.
  const small = await adapterFor({ ...fields, object_sizes: { '1MB': 1 } }, { put: 1 });
  await small.setup(setupCtx('bench-2'));
  const r = await once(small, 'put');
  assert.deepEqual([r.ok, r.bytesOut, r.extra], [true, 1024 * 1024, undefined]);
  await small.teardown(teardownCtx(false, 'bench-2'));
});

test('verify_checksums catches an object changed on the server, on disk or through the API', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const adapter = await adapterFor({ endpoint_url: server.endpoint, object_sizes: { '4KB': 1 }, initial_objects: 1, verify_checksums: true }, { get: 1 });
  await adapter.setup(setupCtx());
  const [key] = await keysUnder(s3, PREFIX);
  assert.ok(key);
  assert.deepEqual([(await once(adapter, 'get')).ok], [true]);

  const file = server.objectFile(BUCKET, key);
  const original = await readFile(file);
  const flipped = Buffer.from(original);
  flipped[100] = flipped[100]! ^ 0xff;
  await writeFile(file, flipped);
  const disk = await once(adapter, 'get');
  assert.deepEqual([disk.ok, disk.status, disk.errorClass, disk.bytesIn], [false, 'corrupt', 'io', 4096]);
  assert.match(disk.message!, /verify_checksums/);

  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: original.subarray(0, 4000) }));
  const api = await once(adapter, 'get');
  assert.deepEqual([api.ok, api.errorClass, api.bytesIn], [false, 'io', 4000]);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: original }));
  assert.equal((await once(adapter, 'get')).ok, true);
  await adapter.teardown(teardownCtx());
});

test('an object removed behind the adapter\'s back fails get and head as not_found', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const adapter = await adapterFor({ endpoint_url: server.endpoint, object_sizes: { '1KB': 1 }, initial_objects: 1 }, { get: 0.5, head: 0.5 });
  await adapter.setup(setupCtx());
  const [key] = await keysUnder(s3, PREFIX);
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key! }));
  for (const operation of ['get', 'head']) {
    const err = await once(adapter, operation).then(() => undefined, (e: unknown) => e);
    assert.equal(classifyThrown(err, false, false).errorClass, 'not_found', operation);
  }
  await adapter.teardown(teardownCtx());
});

test('an aborted signal stops an operation as AbortError, which the engine counts as cancelled', async (t) => {
  const server = await startS3Server(t);
  const adapter = await adapterFor({ endpoint_url: server.endpoint, object_sizes: { '1KB': 1 }, initial_objects: 1 });
  await adapter.setup(setupCtx());
  const ac = new AbortController();
  ac.abort();
  const op = adapter.prepare('get', createRng(1));
  const err = await adapter.execute(op, ac.signal).then(() => undefined, (e: Error) => e);
  adapter.release?.(op, undefined);
  assert.equal(err?.name, 'AbortError');
  assert.equal(classifyThrown(err, false, true).errorClass, 'cancelled');
  await adapter.teardown(teardownCtx());
});

test('with nothing to read, get fails as not_found instead of running a put', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const adapter = await adapterFor({ endpoint_url: server.endpoint, initial_objects: 0 });
  await adapter.setup(setupCtx());
  const r = await once(adapter, 'get');
  assert.deepEqual([r.ok, r.errorClass], [false, 'not_found']);
  assert.match(r.message!, /initial_objects/);
  assert.deepEqual(await keysUnder(s3, PREFIX), []);
  await adapter.teardown(teardownCtx());
});
