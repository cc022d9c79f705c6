import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseS3Error, responseError } from '../../src/services/s3/aws/wire-errors.js';
import { codeOf, markNotFound, setupError, statusOf } from '../../src/services/s3/aws/errors.js';
import { DirectS3, encodeKey } from '../../src/services/s3/aws/direct.js';
import { createS3Client } from '../../src/services/s3/aws/client.js';
import { EMPTY_SHA256 } from '../../src/services/s3/aws/sign.js';
import { s3Definition } from '../../src/services/s3/aws/definition.js';
import { fieldsOf } from '../../src/services/fields.js';

// The direct data path (direct.ts) in isolation: its error shape as errors.ts reads it, and
// its requests beside the SDK's own on the wire. MinIO checking its signatures is in
// s3-minio.test.ts (every GET, PUT, HEAD and DELETE of the live suite goes this way).

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist &amp; never did.</Message><Key>a/b</Key><RequestId>17A</RequestId></Error>`;

test('the S3 XML error body: Code and Message, entities decoded; missing parts stay undefined', () => {
  assert.deepEqual(parseS3Error(XML), { code: 'NoSuchKey', message: 'The specified key does not exist & never did.' });
  assert.deepEqual(parseS3Error(''), {});
  assert.deepEqual(parseS3Error('<html>bad gateway</html>'), {});
  assert.deepEqual(parseS3Error('<Error><Code>SlowDown</Code></Error>'), { code: 'SlowDown' });
});

test('a non-2xx answer is an error errors.ts reads as the SDK’s: code, status, not_found, auth failure', () => {
  const missing = responseError(404, XML, '17A');
  assert.equal(missing.name, 'NoSuchKey');
  assert.equal(missing.message, 'The specified key does not exist & never did.');
  assert.deepEqual([codeOf(missing), statusOf(missing)], ['NoSuchKey', 404]);
  assert.equal((markNotFound(missing) as { errorClass?: string }).errorClass, 'not_found');

  // HEAD answers have no body: the SDK names a 404 NotFound and anything else after its status.
  const head404 = responseError(404, '', undefined);
  assert.deepEqual([head404.name, codeOf(head404)], ['NotFound', 'NotFound']);
  assert.equal((markNotFound(head404) as { errorClass?: string }).errorClass, 'not_found');
  assert.equal(codeOf(responseError(403, '', undefined)), 'HTTP 403');
  assert.equal(codeOf(responseError(503, '<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>', undefined)), 'SlowDown');

  const noBucket = responseError(404, '<Error><Code>NoSuchBucket</Code></Error>', undefined);
  assert.equal((markNotFound(noBucket) as { errorClass?: string }).errorClass, undefined);

  const where = { endpoint: 'http://s3.test', bucket: 'b', step: 'writing', aborted: false };
  const refused = setupError(responseError(403, '<Error><Code>SignatureDoesNotMatch</Code><Message>sig</Message></Error>', undefined), where, ['sekrit-key']);
  assert.match(refused.message, /refused the credentials \(SignatureDoesNotMatch\)/);
});

test('keys are encoded as the SDK encodes them in the path', () => {
  assert.equal(encodeKey("pre fix/a+b~c!(x)*'.txt"), 'pre%20fix/a%2Bb~c%21%28x%29%2A%27.txt');
  assert.equal(encodeKey('a//b/é'), 'a//b/%C3%A9');
});

const fields = (pathStyle: boolean) =>
  fieldsOf(s3Definition.fields, { region: 'eu-west-3', bucket_name: 'bkt', access_key: 'AKIDEXAMPLE', secret_key: 'never-in-an-error', path_style: pathStyle, max_attempts: 1 });

test('on the wire: the SDK’s path and signed headers, the payload hash, no checksum headers', async (t) => {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; bytes: number }[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytes });
      if (req.url!.includes('missing')) {
        res.statusCode = 404;
        res.end(XML);
      } else res.end(req.method === 'GET' ? 'hello' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const f = fields(true);
  const handle = createS3Client(f, endpoint, 2);
  t.after(() => handle.destroy());
  const direct = await DirectS3.open(handle.client, handle.dispatcher, f, endpoint);
  const key = 'run/a b+c';
  const body = Buffer.from('hello');
  direct.payloads.remember(body);

  await handle.client.send(new PutObjectCommand({ Bucket: 'bkt', Key: key, Body: body }));
  const put = await direct.send('PUT', key, AbortSignal.timeout(5000), body);
  await put.body.dump();
  const [sdk, ours] = seen.splice(0);
  assert.equal(ours!.url, sdk!.url.replace(/\?x-id=PutObject$/, ''));
  assert.equal(ours!.url, '/bkt/run/a%20b%2Bc');
  assert.equal(ours!.bytes, 5);
  for (const h of ['host', 'x-amz-content-sha256', 'content-length', 'content-type']) assert.equal(ours!.headers[h], sdk!.headers[h], h);
  assert.match(String(ours!.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-3\/s3\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  assert.ok(!Object.keys(ours!.headers).some((h) => h.startsWith('x-amz-checksum') || h === 'content-md5'));

  await handle.client.send(new GetObjectCommand({ Bucket: 'bkt', Key: key })).then((r) => r.Body?.transformToString());
  const got = await direct.send('GET', key, AbortSignal.timeout(5000));
  assert.equal(await got.body.text(), 'hello');
  const [sdkGet, ourGet] = seen.splice(0);
  assert.equal(ourGet!.headers['x-amz-content-sha256'], sdkGet!.headers['x-amz-content-sha256']);
  assert.equal(ourGet!.headers['x-amz-content-sha256'], EMPTY_SHA256);

  const err = await direct.send('GET', 'missing', AbortSignal.timeout(5000)).then(() => undefined, (e: Error) => e);
  assert.deepEqual([codeOf(err), statusOf(err)], ['NoSuchKey', 404]);
  assert.ok(!JSON.stringify(err).includes('never-in-an-error') && !String(err?.stack).includes('never-in-an-error'));

  const aborted = new AbortController();
  aborted.abort(new Error('stop'));
  const abortErr = await direct.send('HEAD', key, aborted.signal).then(() => undefined, (e: Error) => e);
  assert.equal(abortErr?.name, 'AbortError');
});

test('virtual-host addressing when pathStyle is off and the host allows it; path-style for an IP endpoint, as the SDK', async (t) => {
  const aws = fields(false);
  const handle = createS3Client(aws, undefined, 1);
  t.after(() => handle.destroy());
  const direct = await DirectS3.open(handle.client, handle.dispatcher, aws, undefined);
  const { url, base } = direct as unknown as { url: URL; base: string };
  assert.deepEqual([url.origin, base], ['https://bkt.s3.eu-west-3.amazonaws.com', '/']);
  const byIp = await DirectS3.open(handle.client, handle.dispatcher, aws, 'http://127.0.0.1:9');
  assert.deepEqual([(byIp as unknown as { url: URL }).url.origin, (byIp as unknown as { base: string }).base], ['http://127.0.0.1:9', '/bkt/']);
  const refused = await byIp.send('GET', 'k', AbortSignal.timeout(5000)).then(() => undefined, (e: { code?: string }) => e);
  assert.equal(codeOf(refused), 'ECONNREFUSED');
});
