import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { RESPONSE_BYTES } from './client.js';
import { signalled } from './handler.js';

/** What the requests of one service share. */
export interface Target {
  client: S3Client;
  bucket: string;
  partSize: number;
  partConcurrency: number;
  /** Multipart uploads started and not yet completed or aborted, by upload id → key. */
  openUploads: Map<string, string>;
}

export interface GetOutcome {
  status: number | undefined;
  bytes: number;
  /** From the call to the response headers: Go's GotFirstResponseByte, as warp reports it. */
  ttfbMs: number;
  /** With an expected payload: false when the body differs from it. */
  intact: boolean;
}

/** One PUT of the whole payload; returns the HTTP status. */
export async function putObject(t: Target, key: string, body: Buffer, signal: AbortSignal): Promise<number | undefined> {
  const res = await t.client.send(new PutObjectCommand(signalled({ Bucket: t.bucket, Key: key, Body: body }, signal)));
  return res.$metadata.httpStatusCode;
}

/**
 * Create, upload parts (up to partConcurrency at once, as mc and lib-storage do), complete.
 * On failure the upload is aborted in the background, so its cost is not timed into
 * the failed operation; teardown aborts any that are still open.
 */
export async function multipartPut(
  t: Target,
  key: string,
  body: Buffer,
  signal: AbortSignal,
): Promise<{ parts: number; status: number | undefined }> {
  const created = await t.client.send(new CreateMultipartUploadCommand(signalled({ Bucket: t.bucket, Key: key }, signal)));
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
  t.openUploads.set(uploadId, key);
  const count = Math.max(1, Math.ceil(body.length / t.partSize));
  const parts: CompletedPart[] = new Array<CompletedPart>(count);
  const siblings = new AbortController();
  const partSignal = AbortSignal.any([signal, siblings.signal]);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const chunk = body.subarray(i * t.partSize, Math.min(body.length, (i + 1) * t.partSize));
      const cmd = new UploadPartCommand(signalled({ Bucket: t.bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: chunk }, partSignal));
      const out = await t.client.send(cmd);
      parts[i] = { PartNumber: i + 1, ETag: out.ETag };
    }
  };
  try {
    const workers = Array.from({ length: Math.min(count, t.partConcurrency) }, () =>
      worker().catch((err: unknown) => {
        siblings.abort(err);
        throw err;
      }),
    );
    await Promise.all(workers);
    const upload = { Bucket: t.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } };
    const done = await t.client.send(new CompleteMultipartUploadCommand(signalled(upload, signal)));
    t.openUploads.delete(uploadId);
    return { parts: count, status: done.$metadata.httpStatusCode };
  } catch (err) {
    siblings.abort(err);
    void abortUpload(t, key, uploadId);
    throw err;
  }
}

/** Best effort: a server without AbortMultipartUpload keeps the parts until its own expiry. */
export async function abortUpload(t: Target, key: string, uploadId: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await t.client.send(new AbortMultipartUploadCommand(signalled({ Bucket: t.bucket, Key: key, UploadId: uploadId }, signal)));
    t.openUploads.delete(uploadId);
    return true;
  } catch {
    return false;
  }
}

type Body = AsyncIterable<Uint8Array> & { destroy?(err?: unknown): void };

/**
 * GET and read the body to its last byte (the operation ends there). With `expected`,
 * every chunk is compared with the bytes written at its offset: an exact check that
 * costs less than hashing and needs no hash stored beside the payload.
 */
export async function getObject(t: Target, key: string, expected: Buffer | undefined, signal: AbortSignal): Promise<GetOutcome> {
  const started = performance.now();
  const res = await t.client.send(new GetObjectCommand(signalled({ Bucket: t.bucket, Key: key }, signal)));
  const ttfbMs = performance.now() - started;
  const body = res.Body as Body | undefined;
  let bytes = 0;
  let intact = true;
  if (body) {
    const onAbort = () => body.destroy?.(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of body) {
        if (expected && intact) {
          const end = bytes + chunk.length;
          intact = end <= expected.length && expected.subarray(bytes, end).equals(chunk);
        }
        bytes += chunk.length;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
  if (expected && bytes !== expected.length) intact = false;
  return { status: res.$metadata.httpStatusCode, bytes, ttfbMs, intact };
}

/** HEAD: the object's size as the server reports it. */
export async function headObject(
  t: Target,
  key: string,
  signal: AbortSignal,
): Promise<{ size: number | undefined; status: number | undefined }> {
  const res = await t.client.send(new HeadObjectCommand(signalled({ Bucket: t.bucket, Key: key }, signal)));
  return { size: res.ContentLength, status: res.$metadata.httpStatusCode };
}

/** One page of the run's prefix; returns the keys listed and the size of the XML answer. */
export async function listPage(
  t: Target,
  prefix: string,
  maxKeys: number,
  signal: AbortSignal,
): Promise<{ keys: number; bytes: number; status: number | undefined }> {
  const list = new ListObjectsV2Command(signalled({ Bucket: t.bucket, Prefix: prefix, MaxKeys: maxKeys }, signal));
  const res = await t.client.send(list);
  const bytes = (res as unknown as Record<symbol, number | undefined>)[RESPONSE_BYTES] ?? 0;
  return { keys: res.KeyCount ?? res.Contents?.length ?? 0, bytes, status: res.$metadata.httpStatusCode };
}

export async function deleteObject(t: Target, key: string, signal: AbortSignal): Promise<number | undefined> {
  const res = await t.client.send(new DeleteObjectCommand(signalled({ Bucket: t.bucket, Key: key }, signal)));
  return res.$metadata.httpStatusCode;
}
