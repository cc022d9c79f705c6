import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3Definition } from '../../src/services/s3/aws/definition.js';
import { fieldsOf as parsedFields } from '../../src/services/fields.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { createS3Client } from '../../src/services/s3/aws/client.js';
import { DirectS3 } from '../../src/services/s3/aws/direct.js';
import { codeOf, statusOf } from '../../src/services/s3/aws/errors.js';
import type { Report } from '../../src/report/types.js';
import { BUCKET, PREFIX, adapterFor, assertBucketGone, bodyOf, inspector, keysUnder, once, setupCtx, teardownCtx } from '../helpers/s3-server.js';
import { MINIO_KEYS, MINIO_SPEC, freePorts, launchLive, type LiveServer } from '../helpers/live-servers.js';
import { liveTool, needTool } from '../helpers/live.js';
import { repoRoot, startCli, tempDir } from '../helpers/cli.js';

// The S3 suite against a real MinIO (scripts/servers/minio.sh), started through aifb's local
// launcher: what s3rver cannot show (SigV4 checked, S3's part-size rule) and what a run
// may touch, on the server the seed benchmarks. Skipped as not run when MinIO is not installed.

let minio: LiveServer | undefined;
before(async () => {
  if (liveTool('minio')) minio = await launchLive(MINIO_SPEC, 1);
});
after(async () => {
  await minio?.close();
});

function server(t: TestContext): LiveServer | undefined {
  if (!minio) needTool(t, 'minio');
  return minio;
}
const fieldsOf = (m: LiveServer, extra: Record<string, unknown> = {}) => ({ endpoint_url: m.endpoint, ...MINIO_KEYS, ...extra });

test('minio: every operation with exact byte counts, GET TTFB inside its duration, multipart in 5 MiB parts reads back whole', async (t) => {
  const m = server(t);
  if (!m) return;
  const s3 = inspector(t, m, MINIO_KEYS);
  const adapter = await adapterFor(fieldsOf(m, { object_sizes: { '1KB': 0.5, '64KB': 0.5 }, initial_objects: 0, verify_checksums: true }));
  await adapter.setup(setupCtx());
  const sizes = new Set<number>();
  for (let i = 0; i < 10; i++) {
    const r = await once(adapter, 'put', i);
    assert.deepEqual([r.ok, r.status, r.bytesIn], [true, 200, 0], r.message);
    sizes.add(r.bytesOut!);
  }
  assert.deepEqual([...sizes].sort((a, b) => a - b), [1024, 65536]);
  assert.equal((await keysUnder(s3, PREFIX)).length, 10);
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    const r = await once(adapter, 'get', i);
    const duration = performance.now() - started;
    assert.equal(r.ok, true, r.message);
    assert.ok(r.bytesIn === 1024 || r.bytesIn === 65536, String(r.bytesIn));
    const ttfb = r.extra!.ttfb_ms as number;
    assert.ok(ttfb > 0 && ttfb <= duration, `ttfb ${ttfb} duration ${duration}`);
  }
  for (const op of ['head', 'stat']) assert.deepEqual(Object.values(await once(adapter, op)).slice(0, 4), [true, 200, 0, 0]);
  const list = await once(adapter, 'list');
  assert.deepEqual([list.ok, list.extra!.keys], [true, 10]);
  assert.equal((await once(adapter, 'delete')).ok, true);
  assert.equal((await keysUnder(s3, PREFIX)).length, 9);
  await adapter.teardown(teardownCtx());
  await assertBucketGone(s3);

  // 11 MiB in parts of 5 MiB: two full parts and a last one of 1 MiB, which S3 allows.
  const big = await adapterFor(fieldsOf(m, { object_sizes: { '11MB': 1 }, multipart_threshold: '8MB', part_size: '5MB', initial_objects: 0, verify_checksums: true }), { put: 0.5, get: 0.5 });
  await big.setup(setupCtx('bench-2'));
  const put = await once(big, 'put');
  assert.deepEqual([put.ok, put.bytesOut, put.extra?.parts], [true, 11 * 1024 * 1024, 3], put.message);
  const mp = await once(big, 'multipart_put');
  assert.deepEqual([mp.ok, mp.extra?.parts], [true, 3], mp.message);
  const get = await once(big, 'get');
  assert.deepEqual([get.ok, get.bytesIn], [true, 11 * 1024 * 1024], get.message);
  await big.teardown(teardownCtx(false, 'bench-2'));
  await assertBucketGone(s3);
});

test('minio checks SigV4: a wrong secret key is refused with one clear message and no secret; a request signed with it is an auth failure', async (t) => {
  const m = server(t);
  if (!m) return;
  const secret = 'wrong-SECRET-never-printed-77';
  const wrong = await adapterFor(fieldsOf(m, { secret_key: secret }));
  const err = await wrong.setup(setupCtx()).then(() => undefined, (e: Error) => e);
  assert.ok(err, 'setup must fail with a wrong secret key (s3rver would accept it)');
  assert.equal(err.message, `the S3 endpoint ${m.endpoint} refused the credentials (SignatureDoesNotMatch); check access_key and secret_key`);
  assert.ok(!err.message.includes(secret) && !String((err.cause as Error).message).includes(secret));
  await wrong.teardown(teardownCtx(true));

  const unknown = await adapterFor(fieldsOf(m, { access_key: 'no-such-user' }));
  await assert.rejects(unknown.setup(setupCtx()), /refused the credentials \(InvalidAccessKeyId\); check access_key and secret_key$/);
  await unknown.teardown(teardownCtx(true));

  const forged = inspector(t, m, { access_key: MINIO_KEYS.access_key, secret_key: secret });
  const sent = await forged.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'x', Body: 'x' })).then(() => undefined, (e: unknown) => e);
  const c = classifyThrown(sent, false, false);
  assert.equal(c.errorClass, 'auth', `${c.errorClass}: ${c.message}`);
  assert.ok(!String(c.message).includes(secret));
});

/** A bucket of the test's own, made now and removed (if empty) after it. */
async function scratchBucket(t: TestContext, s3: ReturnType<typeof inspector>, Bucket: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket }));
  t.after(() => s3.send(new DeleteBucketCommand({ Bucket })).then(() => undefined, () => undefined));
  return Bucket;
}

test('minio accepts the direct path\'s signatures (PUT, GET, HEAD, DELETE), also for keys that need encoding; a wrong secret is SignatureDoesNotMatch', async (t) => {
  const m = server(t);
  if (!m) return;
  const s3 = inspector(t, m, MINIO_KEYS);
  const Bucket = await scratchBucket(t, s3, 'aifb-direct-check');
  const f = parsedFields(s3Definition.fields, { region: 'us-east-1', bucket_name: Bucket, access_key: MINIO_KEYS.access_key, secret_key: MINIO_KEYS.secret_key, path_style: true, max_attempts: 1 });
  const handle = createS3Client(f, m.endpoint, 2);
  t.after(() => handle.destroy());
  const direct = await DirectS3.open(handle.client, handle.dispatcher, f, m.endpoint);
  const body = Buffer.from('signed by aifb');
  const signal = AbortSignal.timeout(10_000);
  for (const key of ['plain', "run/with space+plus!(x)*'~", 'ünï/çødé']) {
    const put = await direct.send('PUT', key, signal, body);
    await put.body.dump();
    assert.equal(put.statusCode, 200, key);
    const got = await direct.send('GET', key, signal);
    assert.equal(await got.body.text(), 'signed by aifb', key);
    const head = await direct.send('HEAD', key, signal);
    await head.body.dump();
    assert.equal(head.headers['content-length'], String(body.length));
    const del = await direct.send('DELETE', key, signal);
    await del.body.dump();
    assert.equal(del.statusCode, 204);
    const gone = await direct.send('HEAD', key, signal).then(() => undefined, (e: unknown) => e);
    assert.deepEqual([codeOf(gone), statusOf(gone)], ['NotFound', 404]);
  }
  const missing = await direct.send('GET', 'never-written', signal).then(() => undefined, (e: unknown) => e);
  assert.deepEqual([codeOf(missing), statusOf(missing)], ['NoSuchKey', 404]);
  const secret = 'wrong-SECRET-never-printed-78';
  const forged = await DirectS3.open(handle.client, handle.dispatcher, { ...f, secret_key: secret }, m.endpoint);
  const refused = await forged.send('PUT', 'x', signal, body).then(() => undefined, (e: unknown) => e);
  assert.deepEqual([codeOf(refused), statusOf(refused)], ['SignatureDoesNotMatch', 403]);
  assert.ok(!JSON.stringify(refused).includes(secret) && !String((refused as Error).message).includes(secret));
});

test("minio enforces S3's part rule (5 MiB but the last), which aifb's check applies before a run", async (t) => {
  const m = server(t);
  if (!m) return;
  const s3 = inspector(t, m, MINIO_KEYS);
  const Bucket = await scratchBucket(t, s3, 'aifb-parts-check');
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'small-parts' }));
  try {
    const part = Buffer.alloc(1024 * 1024, 7);
    const parts = [];
    for (const PartNumber of [1, 2]) parts.push({ PartNumber, ETag: (await s3.send(new UploadPartCommand({ Bucket, Key: 'small-parts', UploadId, PartNumber, Body: part }))).ETag });
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'small-parts', UploadId, MultipartUpload: { Parts: parts } })).then(() => undefined, (e: { name?: string }) => e.name);
    assert.equal(done, 'EntityTooSmall', 'a 1 MiB part that is not the last is refused');
  } finally {
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'small-parts', UploadId })).catch(() => undefined);
  }
  assert.match(s3Definition.check!(parsedFields(s3Definition.fields, { bucket_name: 'b', access_key: 'a', secret_key: 's', part_size: '1MB' }))[0]!.message, /at least 5/);
});

test('minio: objects already there survive, teardown removes exactly its prefix, a bucket aifb did not create stays, one it made goes', async (t) => {
  const m = server(t);
  if (!m) return;
  const s3 = inspector(t, m, MINIO_KEYS);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const foreign: Record<string, string> = {
    'keep/me.txt': 'precious',
    'aifb/other-run/minio_1/f-00000001': 'a neighbouring run',
    'aifb/bench-10/minio_1/f-00000001': 'a run whose id starts like ours',
    'aifb/bench-1/minio_10/f-00000001': 'a service whose name starts like ours',
  };
  for (const [Key, body] of Object.entries(foreign)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: body }));
  const adapter = await adapterFor(fieldsOf(m, { object_sizes: { '2KB': 1 }, initial_objects: 5 }), { put: 0.3, get: 0.3, delete: 0.2, list: 0.2 });
  await adapter.setup(setupCtx());
  for (let i = 0; i < 20; i++) {
    const r = await once(adapter, ['put', 'get', 'delete', 'list'][i % 4]!, i);
    assert.equal(r.ok, true, r.message);
  }
  assert.ok((await keysUnder(s3, PREFIX)).length > 0);
  await adapter.teardown(teardownCtx());
  assert.deepEqual(await keysUnder(s3), Object.keys(foreign).sort());
  for (const [key, body] of Object.entries(foreign)) assert.equal((await bodyOf(s3, key)).toString(), body, key);
  await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));

  // A prefix that already holds objects is refused, and left alone.
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}f-00000001`, Body: 'not from this adapter' }));
  const again = await adapterFor(fieldsOf(m, { initial_objects: 2 }));
  await assert.rejects(again.setup(setupCtx()), /objects already exist under s3:\/\/aifb-test\/aifb\/bench-1\/minio_1\//);
  await again.teardown(teardownCtx(true));
  assert.equal((await bodyOf(s3, `${PREFIX}f-00000001`)).toString(), 'not from this adapter');

  // Emptied by hand, the bucket is still not aifb's: a later run leaves it in place.
  const all = [...Object.keys(foreign), `${PREFIX}f-00000001`].map((Key) => ({ Key }));
  await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: all } }));
  const third = await adapterFor(fieldsOf(m, { initial_objects: 1 }));
  await third.setup(setupCtx('bench-3'));
  await third.teardown(teardownCtx(false, 'bench-3'));
  await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
  await s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));

  // A bucket aifb created itself is removed once the run's prefix is gone.
  const own = await adapterFor(fieldsOf(m, { initial_objects: 2 }));
  await own.setup(setupCtx('bench-4'));
  await own.teardown(teardownCtx(false, 'bench-4'));
  await assertBucketGone(s3);
});

test('minio killed (SIGKILL) under an adapter: operations fail as connection errors, and succeed again once it is back on the same data', async (t) => {
  if (!needTool(t, 'minio')) return;
  const own = await launchLive(MINIO_SPEC, 1);
  t.after(() => own.close());
  const adapter = await adapterFor(fieldsOf(own, { object_sizes: { '8KB': 1 }, initial_objects: 6 }), { put: 0.25, get: 0.25, head: 0.25, list: 0.25 });
  await adapter.setup(setupCtx());
  assert.equal((await once(adapter, 'get')).ok, true);
  await own.kill();
  for (const operation of ['get', 'put', 'head', 'list', 'multipart_put', 'delete']) {
    const err = await once(adapter, operation).then(() => undefined, (e: unknown) => e);
    assert.ok(err, `${operation} must fail with MinIO gone`);
    const c = classifyThrown(err, false, false);
    assert.ok(c.errorClass === 'connection_refused' || c.errorClass === 'connection_reset', `${operation}: ${c.errorClass} ${c.message}`);
  }
  await own.restart();
  for (const operation of ['get', 'put', 'head', 'list']) assert.equal((await once(adapter, operation)).ok, true, operation);
  await adapter.teardown(teardownCtx(true));
  await assertBucketGone(inspector(t, own, MINIO_KEYS));
});

function readReport(dir: string): Report {
  const file = readdirSync(dir).find((f) => f.endsWith('_report.json'));
  assert.ok(file, `no report in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;
}

test('aifb run examples/minio.yaml: the local launcher starts MinIO; killed mid-run, failures are recorded and classified, the run goes on and writes its report', async (t) => {
  if (!needTool(t, 'minio')) return;
  const dir = tempDir(t, 'aifb-minio-run-');
  const port = await freePorts(1);
  const recipe = join(repoRoot, 'examples/minio.yaml');
  const { child, done } = startCli(['run', recipe, '--out', 'out'], { cwd: dir, env: { MINIO_PORT: String(port), DURATION: '8s' } });
  let stderr = '';
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => (stderr += d.toString()));
  const t0 = Date.now();
  // The load starts once setup has written its initial_objects (100): watch the bucket from outside.
  const s3 = inspector(t, { endpoint: `http://127.0.0.1:${port}` }, { access_key: 'aifb-bench', secret_key: 'aifb-bench-secret' });
  let written = 0;
  while (written < 100 && Date.now() - t0 < 60_000) {
    written = await s3.send(new ListObjectsV2Command({ Bucket: 'aifb-bench' })).then((r) => r.KeyCount ?? 0, () => 0);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = Number(/started minio \(pid (\d+)/.exec(stderr)?.[1]);
  assert.ok(pid > 0 && written >= 100, `no pid or no initial objects (${written}) in:\n${stderr}`);
  await new Promise((r) => setTimeout(r, 1500));
  const killedAt = Date.now();
  process.kill(-pid, 'SIGKILL');
  const res = await done;
  assert.ok(Date.now() - killedAt > 2000, 'the run went on after the server died');
  const report = readReport(join(dir, 'out'));
  const s = report.services.minio!;
  assert.ok(s.requests.successful > 0, 'requests succeeded before the kill');
  assert.ok(s.requests.failed > 0, 'the outage shows as failed requests');
  const classes = Object.keys(s.errors);
  assert.ok(classes.every((c) => ['connection_refused', 'connection_reset', 'not_found'].includes(c)), classes.join());
  assert.ok(classes.includes('connection_refused'), classes.join());
  assert.ok(!JSON.stringify(report).includes('aifb-bench-secret'), 'no secret in the report');
  t.diagnostic(`exit ${res.code}; ${s.requests.successful} ok, ${s.requests.failed} failed (${JSON.stringify(s.errors)})`);
});
