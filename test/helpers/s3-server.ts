import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { s3Definition } from '../../src/services/s3/aws/definition.js';
import { runPrefix } from '../../src/services/s3/aws/options.js';
import type { Adapter, OperationResult, SetupContext, TeardownContext } from '../../src/services/contract.js';
import type { ClosedLoad, LoadProfile, ServiceSpec } from '../../src/recipe/types.js';
import { createRng } from '../../src/util/rng.js';
import { createLogger } from '../../src/util/log.js';
import { startLocalS3, S3RVER_KEYS, type LocalS3 } from '../../src/sim/s3/server.js';
import { serviceOf } from '../../src/services/fields.js';

export { S3RVER_KEYS };

export interface S3TestServer {
  endpoint: string;
  port: number;
  /** s3rver's data directory: `<dir>/<bucket>/<key path>._S3rver_object`. */
  dir: string;
  /** The file holding an object's bytes, for corrupting it behind the server's back. */
  objectFile(bucket: string, key: string): string;
  /** Stops listening and cuts every open connection; the data stays. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data. */
  restart(): Promise<void>;
}

/**
 * A real s3rver on 127.0.0.1, on a free port, with its data in a fresh temporary
 * directory; stopped and removed when the test ends.
 */
export async function startS3Server(t: { after(fn: () => Promise<void> | void): void }): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'aifb-s3rver-'));
  let instance: LocalS3 | undefined;
  const launch = async (port: number) => {
    instance = await startLocalS3({ port, directory: dir });
    return instance.port;
  };
  const stop = async () => {
    const current = instance;
    instance = undefined;
    await current?.close();
  };
  const port = await launch(0);
  t.after(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir,
    objectFile: (bucket, key) => {
      const parts = key.split('/');
      const last = parts.pop()!;
      return join(dir, bucket, ...parts, `${last}._S3rver_object`);
    },
    stop,
    restart: async () => {
      if (!instance) await launch(port);
    },
  };
}

// Fixtures shared by the S3 tests: a service spec, contexts, and a plain SDK client that
// looks at the bucket from outside the adapter.

// The inspector client would otherwise print the SDK's Node 22 notice (the adapter silences it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const BUCKET = 'aifb-test';
export const SERVICE = 'minio #1';
export const LOAD: ClosedLoad = {
  mode: 'closed',
  clients: 2,
  thinkTimeMs: 0,
  stages: [],
  warmup: { kind: 'none' },
  durationMs: 1000,
  requests: undefined,
};
/** Where a run with id `bench-1` of SERVICE writes. */
export const PREFIX = runPrefix('aifb/', 'bench-1', SERVICE);

export function specOf(
  fields: Record<string, unknown>,
  mix: Record<string, number> = s3Definition.defaultMix,
  load: LoadProfile = LOAD,
): ServiceSpec {
  return {
    name: SERVICE,
    type: 's3',
    backend: 'aws-sdk',
    fields: { service_name: SERVICE, service_type: 's3', bucket_name: BUCKET, ...S3RVER_KEYS, ...fields },
    load,
    mix: Object.entries(mix).map(([operation, weight]) => ({ operation, weight })),
    timeoutMs: 10_000,
    seed: 7,
    slo: undefined,
    steps: undefined,
  };
}

const quiet = createLogger('error', () => {});
export const setupCtx = (benchmarkId = 'bench-1'): SetupContext => ({
  benchmarkId,
  rng: createRng(1),
  log: quiet,
  signal: new AbortController().signal,
});
export const teardownCtx = (failed = false, benchmarkId = 'bench-1'): TeardownContext => ({ benchmarkId, log: quiet, failed });
export const signal = (): AbortSignal => new AbortController().signal;

export async function adapterFor(fields: Record<string, unknown>, mix?: Record<string, number>): Promise<Adapter> {
  return (await s3Definition.load()).createAdapter(serviceOf(s3Definition.fields, specOf(fields, mix)));
}

/** prepare, execute and release one operation, as the engine does. */
export async function once(adapter: Adapter, operation: string, seed = 1): Promise<OperationResult> {
  const op = adapter.prepare(operation, createRng(seed));
  try {
    const r = await adapter.execute(op, signal());
    adapter.release?.(op, r);
    return r;
  } catch (err) {
    adapter.release?.(op, undefined);
    throw err;
  }
}

/** A plain SDK client for looking at the bucket from outside the adapter (s3rver's keys unless given). */
export function inspector(t: { after(fn: () => void): void }, server: { endpoint: string }, keys: { access_key: string; secret_key: string } = S3RVER_KEYS): S3Client {
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: keys.access_key, secretAccessKey: keys.secret_key },
    maxAttempts: 1,
  });
  t.after(() => client.destroy());
  return client;
}

export async function keysUnder(client: S3Client, prefix = ''): Promise<string[]> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

/** The bucket aifb created is gone, so nothing of the run can be left in it. */
export async function assertBucketGone(client: S3Client): Promise<void> {
  const status = await client.send(new HeadBucketCommand({ Bucket: BUCKET })).then(
    () => 200,
    (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
  );
  assert.equal(status, 404, 'bucket should be gone');
}

export async function bodyOf(client: S3Client, key: string): Promise<Buffer> {
  const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}
