import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Definition } from '../../src/services/s3/aws/definition.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { ServiceRunner } from '../../src/engine/runner.js';
import type { Sample } from '../../src/metrics/sample.js';
import { systemClock } from '../../src/util/clock.js';
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
  signal,
  specOf,
  startS3Server,
  teardownCtx,
} from '../helpers/s3-server.js';
import { serviceOf } from '../../src/services/fields.js';

// What a run may touch (only its own prefix, and a bucket only if it made it) and how it
// fails (bad keys, no server, a server that goes away), against a real s3rver.

test('objects already in the bucket survive a run; teardown removes exactly its prefix', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const foreign: Record<string, string> = {
    'keep/me.txt': 'precious',
    'root.bin': 'at the root',
    'aifb/other-run/minio_1/f-00000001': 'a neighbouring run',
    'aifb/bench-10/minio_1/f-00000001': 'a run whose id starts like ours',
    'aifb/bench-1/minio_10/f-00000001': 'a service whose name starts like ours',
  };
  for (const [Key, body] of Object.entries(foreign)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: body }));

  const adapter = await adapterFor({ endpoint_url: server.endpoint, object_sizes: { '2KB': 1 }, initial_objects: 5 }, { put: 0.3, get: 0.3, delete: 0.2, list: 0.2 });
  await adapter.setup(setupCtx());
  const rng = createRng(9);
  for (let i = 0; i < 30; i++) {
    const operation = ['put', 'get', 'delete', 'list'][i % 4]!;
    const op = adapter.prepare(operation, rng);
    const r = await adapter.execute(op, signal());
    adapter.release?.(op, r);
    assert.equal(r.ok, true, `${operation}: ${r.message}`);
  }
  const ours = await keysUnder(s3, PREFIX);
  assert.ok(ours.length > 0);
  assert.ok(ours.every((k) => k.startsWith(PREFIX)));
  assert.equal((await keysUnder(s3)).length, ours.length + Object.keys(foreign).length);

  await adapter.teardown(teardownCtx());
  await adapter.teardown(teardownCtx()); // idempotent
  assert.deepEqual(await keysUnder(s3), Object.keys(foreign).sort());
  for (const [key, body] of Object.entries(foreign)) assert.equal((await bodyOf(s3, key)).toString(), body, key);
  await s3.send(new HeadBucketCommand({ Bucket: BUCKET })); // a bucket aifb did not create stays
});

test('a missing bucket is created, and removed at teardown only when it is empty', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const fields = { endpoint_url: server.endpoint, object_sizes: { '1KB': 1 }, initial_objects: 3 };
  const first = await adapterFor(fields);
  await first.setup(setupCtx());
  assert.equal((await keysUnder(s3, PREFIX)).length, 3);
  await first.teardown(teardownCtx());
  await assertBucketGone(s3);

  const second = await adapterFor(fields);
  await second.setup(setupCtx());
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'someone-else.txt', Body: 'arrived during the run' }));
  await second.teardown(teardownCtx());
  assert.deepEqual(await keysUnder(s3), ['someone-else.txt']);
});

test('setup refuses a prefix that already holds objects, and leaves them alone', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}f-00000001`, Body: 'not from this adapter' }));
  const adapter = await adapterFor({ endpoint_url: server.endpoint, initial_objects: 2 });
  await assert.rejects(adapter.setup(setupCtx()), /objects already exist under s3:\/\/aifb-test\/aifb\/bench-1\/minio_1\//);
  await adapter.teardown(teardownCtx(true));
  assert.deepEqual(await keysUnder(s3), [`${PREFIX}f-00000001`]);
});

test('wrong credentials or an unreachable endpoint fail setup with one clear message, without the secret', async (t) => {
  const server = await startS3Server(t);
  const secret = 'TOP-SECRET-do-not-print-42';
  const badKeys = await adapterFor({ endpoint_url: server.endpoint, access_key: 'NOT-A-KEY', secret_key: secret });
  const err = await badKeys.setup(setupCtx()).then(() => undefined, (e: Error) => e);
  assert.ok(err, 'setup must fail');
  assert.match(err.message, /refused the credentials \(InvalidAccessKeyId\); check access_key and secret_key/);
  assert.ok(!err.message.includes(secret) && !String((err.cause as Error).message).includes(secret));
  await badKeys.teardown(teardownCtx(true));

  await server.stop();
  const gone = await adapterFor({ endpoint_url: server.endpoint, secret_key: secret });
  await assert.rejects(gone.setup(setupCtx()), (e: Error) => {
    assert.match(e.message, new RegExp(`cannot reach the S3 endpoint ${server.endpoint}: connection refused \\(ECONNREFUSED\\)`));
    assert.ok(!e.message.includes(secret));
    return true;
  });
  await gone.teardown(teardownCtx(true));
});

test('with the server gone mid-run, errors are classified and the adapter goes on once it is back', async (t) => {
  const server = await startS3Server(t);
  const s3 = inspector(t, server);
  const adapter = await adapterFor({ endpoint_url: server.endpoint, object_sizes: { '8KB': 1 }, initial_objects: 8 }, { put: 0.25, get: 0.25, head: 0.25, list: 0.25 });
  await adapter.setup(setupCtx());
  assert.equal((await once(adapter, 'get')).ok, true);

  // Requests already on keep-alive sockets are cut (reset); later ones are refused.
  const rng = createRng(4);
  const inFlight = (operation: string) => adapter.execute(adapter.prepare(operation, rng), signal()).then(() => undefined, (e: unknown) => e);
  const cut = ['get', 'get', 'put', 'head'].map(inFlight);
  await server.stop();
  for (const err of await Promise.all(cut)) {
    if (err === undefined) continue; // finished before the cut
    const c = classifyThrown(err, false, false);
    assert.ok(c.errorClass === 'connection_refused' || c.errorClass === 'connection_reset', `${c.errorClass} ${c.message}`);
  }
  const ops = ['get', 'put', 'head', 'list', 'multipart_put', 'delete'];
  for (const operation of ops) {
    const err = await once(adapter, operation).then(() => undefined, (e: unknown) => e);
    assert.ok(err, `${operation} must fail with the server down`);
    const c = classifyThrown(err, false, false);
    assert.ok(c.errorClass === 'connection_refused' || c.errorClass === 'connection_reset', `${operation}: ${c.errorClass} ${c.message}`);
  }

  await server.restart();
  for (const operation of ['get', 'put', 'head', 'list']) assert.equal((await once(adapter, operation)).ok, true, operation);
  await adapter.teardown(teardownCtx(true));
  await assertBucketGone(s3);
});

test('driven by the engine, a run whose server goes away records classified failures and recovers', async (t) => {
  const server = await startS3Server(t);
  const spec = specOf({ endpoint_url: server.endpoint, object_sizes: { '4KB': 1 }, initial_objects: 16 }, undefined, { ...LOAD, clients: 4, durationMs: 1500 });
  const adapter = (await s3Definition.load()).createAdapter(serviceOf(s3Definition.fields, spec));
  await adapter.setup(setupCtx());
  const samples: Sample[] = [];
  const onSample = (s: Sample) => samples.push(s);
  const runner = new ServiceRunner({ spec, adapter, clock: systemClock(), rng: createRng(3), onSample, stop: new AbortController().signal });
  const outage = (async () => {
    await delay(400);
    await server.stop();
    await delay(400);
    await server.restart();
  })();
  await runner.run();
  await outage;
  await adapter.teardown(teardownCtx(true));
  const failed = samples.filter((s) => !s.ok && s.errorClass !== 'not_found');
  const okAfter = samples.filter((s) => s.ok && s.actualStart > Math.max(...failed.map((f) => f.end)));
  assert.ok(failed.length > 0, 'the outage shows as failures');
  for (const f of failed) assert.ok(['connection_refused', 'connection_reset'].includes(f.errorClass!), `${f.errorClass}: ${f.message}`);
  assert.ok(okAfter.length > 0, 'requests succeed again once the server is back');
  assert.ok(samples.filter((s) => s.operation === 'get' && s.ok).every((s) => typeof s.extra?.ttfb_ms === 'number'));
});
