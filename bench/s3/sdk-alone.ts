/**
 * The AWS SDK alone, measuring nothing, against a MinIO: what one S3 GET or PUT costs the
 * library aifb's S3 backend sends with, and what caching the SDK's middleware stack
 * (`cacheMiddleware: true`, used only by a `send` without options, so without an
 * AbortSignal) would save. Prints JSON: requests/s and CPU µs per request per variant.
 *   node --import tsx bench/s3/sdk-alone.ts ENDPOINT ACCESS SECRET get|put BYTES CLIENTS SECONDS
 */
import { Agent } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const [endpoint, accessKeyId, secretAccessKey, op, bytesText, clientsText, secondsText] = process.argv.slice(2) as [string, string, string, 'get' | 'put', string, string, string];
const [bytes, clients, seconds] = [bytesText, clientsText, secondsText].map(Number) as [number, number, number];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function client(cacheMiddleware: boolean): S3Client {
  const httpAgent = new Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
  return new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { httpAgent }, cacheMiddleware,
  });
}

const bucket = 'sdk-alone';
const body = Buffer.alloc(bytes, 7);
const setup = client(false);
await setup.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
for (let i = 0; i < 64; i++) await setup.send(new PutObjectCommand({ Bucket: bucket, Key: `seed-${i}`, Body: body }));

async function variant(name: string, s3: S3Client, withSignal: boolean) {
  const signal = new AbortController().signal;
  const options = withSignal ? { abortSignal: signal } : undefined;
  let done = 0;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (performance.now() < end) {
      if (op === 'put') {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${name}-${c}-${n++}`, Body: body }), options);
      } else {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `seed-${n++ % 64}` }), options);
        for await (const _chunk of res.Body as AsyncIterable<Uint8Array>) { /* read to the end */ }
      }
      done++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { variant: name, rps: done / ((performance.now() - t0) / 1000), cpu_us_per_request: (cpu.user + cpu.system) / done };
}

// One unrecorded round of each first, so neither variant pays the JIT's warm-up.
await variant('warm-up', client(false), true);
await variant('warm-up', client(true), false);
const out = [];
// Alternated twice so drift on a shared machine shows.
for (let round = 0; round < 2; round++) {
  out.push(await variant('abortSignal (as aifb sends)', client(false), true));
  out.push(await variant('no options, cacheMiddleware', client(true), false));
}
console.log(JSON.stringify(out));
