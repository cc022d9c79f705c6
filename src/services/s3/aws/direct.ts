import type { Dispatcher } from 'undici';
import type { S3Client } from '@aws-sdk/client-s3';
import { escapeUriPath, type HttpRequest } from '@smithy/core/protocols';
import type { SignatureV4 } from '@smithy/signature-v4';
import { abortError } from './handler.js';
import { createSigner, EMPTY_SHA256, PayloadHashes } from './sign.js';
import { responseError } from './wire-errors.js';
import type { FieldsOf } from '../../fields.js';
import type { s3Fields } from './fields.js';

/** Sent instead of the SDK's user agent; unsigned, as the SDK leaves it. */
const USER_AGENT = 'aifb';

type Method = 'GET' | 'PUT' | 'HEAD' | 'DELETE';

/**
 * An object key as the SDK puts it in the path: the SDK's own escaping (each segment
 * percent-encoded as RFC 3986 asks, `/` kept), so both paths sign the same bytes.
 */
export const encodeKey: (key: string) => string = escapeUriPath;

/**
 * The timed single-request object operations (GET, single-part PUT, HEAD, DELETE) without
 * the SDK's middleware stack: per request the SDK resolved the endpoint, ran its schema
 * serde and retry middleware, and that was most of aifb's CPU per small object. Here the
 * endpoint is resolved once, by the SDK's own resolver (so path-style, virtual-host,
 * region and endpoint rules stay the SDK's), each request is signed by the SDK's signer
 * and sent on the S3 client's own undici Agent (same keep-alive pool, same socket count).
 * Everything else (bucket, list, multipart, batch delete) stays on the SDK.
 */
export class DirectS3 {
  /** Hashes of the run's payloads, made in setup so no PUT hashes its body while timed. */
  readonly payloads = new PayloadHashes();

  private constructor(
    private readonly dispatcher: Dispatcher,
    private readonly signer: SignatureV4,
    private readonly url: URL,
    /** The bucket's path prefix, ending with `/`: `/<bucket>/` path-style, `/` virtual-host. */
    private readonly base: string,
  ) {}

  /**
   * Resolves the bucket's endpoint once with the client's endpoint rules, as the SDK
   * does on every request, and keeps the signing region and name they give.
   * `endpoint` is the one the client was made with (createS3Client).
   */
  static async open(client: S3Client, dispatcher: Dispatcher, f: FieldsOf<typeof s3Fields>, endpoint: string | undefined): Promise<DirectS3> {
    const resolved = await client.config.endpointProvider({
      Bucket: f.bucket_name,
      Region: f.region,
      ForcePathStyle: f.path_style,
      UseFIPS: false,
      UseDualStack: false,
      Accelerate: false,
      ...(endpoint ? { Endpoint: endpoint } : {}),
    });
    const url = new URL(resolved.url.href);
    const scheme = (resolved.properties?.authSchemes as { name?: string; signingRegion?: string; signingName?: string }[] | undefined)?.[0];
    const signer = createSigner({ accessKeyId: f.access_key, secretAccessKey: f.secret_key }, scheme?.signingRegion ?? f.region, scheme?.signingName ?? 's3');
    return new DirectS3(dispatcher, signer, url, `${url.pathname.replace(/\/+$/, '')}/`);
  }

  /**
   * One signed request for `key`; resolves at the response headers with a 2xx answer
   * (the caller reads or dumps the body), rejects with the SDK-shaped error of
   * wire-errors.ts otherwise, with the network error as undici raised it (its `code`
   * kept), or with an AbortError once `signal` aborted.
   */
  async send(method: Method, key: string, signal: AbortSignal, body?: Buffer): Promise<Dispatcher.ResponseData> {
    if (signal.aborted) throw abortError(signal);
    const url = this.url;
    const path = this.base + encodeKey(key);
    const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': body ? this.payloads.of(body) : EMPTY_SHA256 };
    if (body) {
      // As the SDK sends a PutObject without ContentType; both are signed, as there.
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    try {
      const request = { method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path, query: {}, headers };
      const signed = await this.signer.sign(request as unknown as HttpRequest);
      signed.headers['user-agent'] = USER_AGENT;
      const res = await this.dispatcher.request({ origin: url.origin, path, method, headers: signed.headers, body: body ?? null, signal });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        const text = await res.body.text();
        const requestId = res.headers['x-amz-request-id'];
        throw responseError(res.statusCode, text, typeof requestId === 'string' ? requestId : undefined);
      }
      return res;
    } catch (err) {
      throw signal.aborted ? abortError(signal) : err;
    }
  }
}
