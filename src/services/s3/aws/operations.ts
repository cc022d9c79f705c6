import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { RESPONSE_BYTES } from './client.js';
import { abortError, signalled } from './handler.js';
import type { DirectS3 } from './direct.js';

/**
 * What the requests of one service share. The timed single-request operations (GET,
 * single-part PUT, HEAD, DELETE) go `direct`; the rest through the SDK's `client`.
 */
export interface Target {
  client: S3Client;
  direct: DirectS3;
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

/** One PUT of the whole payload (its hash made in setup); returns the HTTP status. */
export async function putObject(t: Target, key: string, body: Buffer, signal: AbortSignal): Promise<number | undefined> {
  const res = await t.direct.send('PUT', key, signal, body);
  await res.body.dump();
  return res.statusCode;
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

/**
 * GET and read the body to its last byte (the operation ends there). With `expected`,
 * every chunk is compared with the bytes written at its offset: an exact check that
 * costs less than hashing and needs no hash stored beside the payload. The signal aborts
 * the body's read too (undici's), which settles as an AbortError.
 */
export async function getObject(t: Target, key: string, expected: Buffer | undefined, signal: AbortSignal): Promise<GetOutcome> {
  const started = performance.now();
  const res = await t.direct.send('GET', key, signal);
  const ttfbMs = performance.now() - started;
  let bytes = 0;
  let intact = true;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (expected && intact) {
        const end = bytes + chunk.length;
        intact = end <= expected.length && expected.subarray(bytes, end).equals(chunk);
      }
      bytes += chunk.length;
    }
  } catch (err) {
    throw signal.aborted ? abortError(signal) : err;
  }
  if (expected && bytes !== expected.length) intact = false;
  return { status: res.statusCode, bytes, ttfbMs, intact };
}

/** HEAD: the object's size as the server reports it. */
export async function headObject(
  t: Target,
  key: string,
  signal: AbortSignal,
): Promise<{ size: number | undefined; status: number | undefined }> {
  const res = await t.direct.send('HEAD', key, signal);
  await res.body.dump();
  const length = Number(res.headers['content-length']);
  return { size: Number.isFinite(length) ? length : undefined, status: res.statusCode };
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

/** DELETE of one key; returns the HTTP status (204). */
export async function deleteObject(t: Target, key: string, signal: AbortSignal): Promise<number | undefined> {
  const res = await t.direct.send('DELETE', key, signal);
  await res.body.dump();
  return res.statusCode;
}
