/**
 * The AWS SDK alone, measuring nothing, against a MinIO: what one S3 GET or PUT costs the
 * library aifb's S3 backend sends with, per way of sending. Prints JSON: requests/s and
 * CPU µs per request per variant.
 *   node --import tsx bench/s3/sdk-alone.ts ENDPOINT ACCESS SECRET get|put BYTES CLIENTS SECONDS
 * Variants: the SDK's Node handler with `{abortSignal}` on every send (aifb before issue
 * #22's fix); the same handler with the middleware cache and the signal carried on the
 * input (src/services/s3/aws/handler.ts); the cache with aifb's undici handler (as aifb
 * sends now).
 */
import { Agent } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpRequest } from '@smithy/core/protocols';
import { carrySignals, signalled, signalOf, UndiciS3Handler } from '../../src/services/s3/aws/handler.js';

const [endpoint, accessKeyId, secretAccessKey, op, bytesText, clientsText, secondsText] = process.argv.slice(2) as [string, string, string, 'get' | 'put', string, string, string];
const [bytes, clients, seconds] = [bytesText, clientsText, secondsText].map(Number) as [number, number, number];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type Kind = 'options' | 'cached-node' | 'cached-undici';

function nodeHandler(carried: boolean) {
  const inner = new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients }) });
  if (!carried) return inner;
  return Object.assign(Object.create(inner) as NodeHttpHandler, {
    handle: (req: HttpRequest) => inner.handle(req, { abortSignal: signalOf(req) }),
  });
}

function client(kind: Kind): S3Client {
  const s3 = new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: kind === 'cached-undici' ? new UndiciS3Handler(clients) : nodeHandler(kind === 'cached-node'),
    cacheMiddleware: kind !== 'options',
  });
  if (kind !== 'options') carrySignals(s3);
  return s3;
}

const bucket = 'sdk-alone';
const body = Buffer.alloc(bytes, 7);
const setup = client('options');
await setup.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
for (let i = 0; i < 64; i++) await setup.send(new PutObjectCommand({ Bucket: bucket, Key: `seed-${i}`, Body: body }));

async function variant(name: string, kind: Kind) {
  const s3 = client(kind);
  const signal = new AbortController().signal;
  const options = kind === 'options' ? { abortSignal: signal } : undefined;
  const input = <T extends object>(x: T) => (kind === 'options' ? x : signalled(x, signal));
  let done = 0;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (performance.now() < end) {
      if (op === 'put') {
        await s3.send(new PutObjectCommand(input({ Bucket: bucket, Key: `${name}-${c}-${n++}`, Body: body })), options);
      } else {
        const res = await s3.send(new GetObjectCommand(input({ Bucket: bucket, Key: `seed-${n++ % 64}` })), options);
        for await (const _chunk of res.Body as AsyncIterable<Uint8Array>) { /* read to the end */ }
      }
      done++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  s3.destroy();
  return { variant: name, rps: Math.round(done / ((performance.now() - t0) / 1000)), cpu_us_per_request: Math.round((cpu.user + cpu.system) / done) };
}

const kinds: Kind[] = ['options', 'cached-node', 'cached-undici'];
// One unrecorded round of each first, so no variant pays the JIT's warm-up.
for (const k of kinds) await variant('warm-up', k);
const out = [];
// Alternated twice so drift on a shared machine shows.
for (let round = 0; round < 2; round++) for (const k of kinds) out.push(await variant(k, k));
console.log(JSON.stringify(out));
