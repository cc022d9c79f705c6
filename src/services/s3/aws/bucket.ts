import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { codeOf, isNoSuchBucket } from './errors.js';
import { signalled } from './handler.js';
import { abortUpload, type Target } from './operations.js';

/** S3's limit for one DeleteObjects request. */
const DELETE_BATCH = 1000;
/** Listing passes without progress before teardown gives up (a writer we cannot stop). */
const MAX_IDLE_PASSES = 3;

export type BucketState = { created: boolean; prefixEmpty: boolean };

/**
 * The first request of a run, and the probe of endpoint, keys and bucket: one list of
 * the run's prefix. A missing bucket is created (and remembered, so teardown may remove
 * it); any other failure is thrown for setup to explain.
 */
export async function openBucket(
  client: S3Client,
  bucket: string,
  prefix: string,
  region: string,
  signal: AbortSignal,
): Promise<BucketState> {
  const existing = async (): Promise<BucketState> => {
    const res = await client.send(new ListObjectsV2Command(signalled({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }, signal)));
    return { created: false, prefixEmpty: (res.KeyCount ?? res.Contents?.length ?? 0) === 0 };
  };
  try {
    return await existing();
  } catch (err) {
    if (!isNoSuchBucket(err)) throw err;
  }
  // us-east-1 is the one region S3 wants without a location constraint; MinIO and Ceph accept both.
  const config = region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint };
  try {
    await client.send(new CreateBucketCommand(signalled({ Bucket: bucket, CreateBucketConfiguration: config }, signal)));
  } catch (err) {
    // Another service of the same recipe created it a moment ago: use it, but it is not ours to remove.
    if (codeOf(err) === 'BucketAlreadyOwnedByYou') return existing();
    throw err;
  }
  return { created: true, prefixEmpty: true };
}

async function deleteOneByOne(client: S3Client, bucket: string, keys: string[], signal: AbortSignal): Promise<void> {
  for (const Key of keys) {
    await client.send(new DeleteObjectCommand(signalled({ Bucket: bucket, Key }, signal)));
  }
}

/**
 * Deletes one batch; where the server refuses batch deletes (some S3-compatible stores
 * lack DeleteObjects) or reports per-key errors, those keys are deleted one by one.
 */
async function deleteBatch(client: S3Client, bucket: string, keys: string[], signal: AbortSignal): Promise<void> {
  let failed: string[];
  try {
    const res = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      { abortSignal: signal },
    );
    failed = (res.Errors ?? []).flatMap((e) => (e.Key ? [e.Key] : []));
  } catch (err) {
    if (signal.aborted) throw err;
    failed = keys;
  }
  if (failed.length > 0) await deleteOneByOne(client, bucket, failed, signal);
}

/**
 * Removes every object whose key starts with prefix, and nothing else: S3 lists by
 * prefix, so a key outside it is never even seen. Lists again until the prefix is
 * empty, since an aborted upload may still land after the first pass. Returns the
 * number of keys it deleted.
 */
export async function removePrefix(client: S3Client, bucket: string, prefix: string, signal: AbortSignal): Promise<number> {
  let removed = 0;
  let idle = 0;
  let previous = new Set<string>();
  for (;;) {
    const list = new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: DELETE_BATCH });
    const page = await client.send(list, { abortSignal: signal });
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key?.startsWith(prefix) ? [o.Key] : []));
    if (keys.length === 0) return removed;
    const fresh = keys.filter((k) => !previous.has(k)).length;
    // A server that acknowledges deletes but keeps the objects would loop forever.
    idle = fresh === 0 ? idle + 1 : 0;
    if (idle >= MAX_IDLE_PASSES) throw new Error(`${keys.length} objects stay listed after being deleted`);
    await deleteBatch(client, bucket, keys, signal);
    removed += fresh;
    previous = new Set(keys);
  }
}

/**
 * Aborts the multipart uploads this run left open: those it knows of, and those the
 * server lists under the prefix (servers without ListMultipartUploads are skipped).
 */
export async function abortOpenUploads(t: Target, prefix: string, signal: AbortSignal): Promise<void> {
  for (const [uploadId, key] of [...t.openUploads]) await abortUpload(t, key, uploadId, signal);
  try {
    const res = await t.client.send(new ListMultipartUploadsCommand(signalled({ Bucket: t.bucket, Prefix: prefix }, signal)));
    for (const u of res.Uploads ?? []) {
      if (u.Key?.startsWith(prefix) && u.UploadId) await abortUpload(t, u.Key, u.UploadId, signal);
    }
  } catch {
    // Small servers lack ListMultipartUploads (HTTP 501); the uploads we knew of were aborted above.
  }
}

/** Removes a bucket aifb created, only if nothing at all is left in it. Returns true when removed. */
export async function removeBucketIfEmpty(client: S3Client, bucket: string, signal: AbortSignal): Promise<boolean> {
  const res = await client.send(new ListObjectsV2Command(signalled({ Bucket: bucket, MaxKeys: 1 }, signal)));
  if ((res.KeyCount ?? res.Contents?.length ?? 0) > 0) return false;
  await client.send(new DeleteBucketCommand(signalled({ Bucket: bucket }, signal)));
  return true;
}
