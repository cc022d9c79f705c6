import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { Dispatcher } from 'undici';
import { carrySignals, UndiciS3Handler } from './handler.js';
import type { FieldsOf } from '../../fields.js';
import type { s3Fields } from './fields.js';

/** Where the byte count of a response body the SDK parsed itself (list) is left on its output. */
export const RESPONSE_BYTES = Symbol('aifb.s3.responseBytes');

export interface S3Handle {
  client: S3Client;
  /** The undici Agent the client sends on, shared by the direct path (direct.ts). */
  dispatcher: Dispatcher;
  /** Closes every pooled socket. */
  destroy(): void;
}

interface RawRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * A client for one service. Path-style addressing by default, because MinIO and Ceph
 * RGW are reached by IP or a single host name without wildcard DNS. One keep-alive
 * socket per request that can be in flight, so the client never queues requests the
 * load profile meant to run at once. Requests go through undici (UndiciS3Handler) and
 * the SDK's middleware stack is resolved once (`cacheMiddleware`): resolving it on every
 * send was a third of the client's CPU per 4 KiB object. Operations therefore pass their
 * AbortSignal on the input (`signalled`), never as a send option, which would bypass the cache.
 * `endpoint` undefined: the SDK's AWS endpoint for the region.
 */
export function createS3Client(f: FieldsOf<typeof s3Fields>, endpoint: string | undefined, sockets: number): S3Handle {
  // On Node 20 the SDK warns on stderr that its 2027 releases will need Node 22: news for
  // aifb's maintainers (package.json), not for someone watching a benchmark's live display.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const handler = new UndiciS3Handler(sockets);
  const client = new S3Client({
    region: f.region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: f.path_style,
    credentials: { accessKeyId: f.access_key, secretAccessKey: f.secret_key },
    // Retries would hide failures and fold several attempts into one latency.
    maxAttempts: f.max_attempts,
    // Since SDK 3.729 checksums are added to every upload by default; many MinIO and
    // Ceph releases reject them, and computing CRC32 of each payload would be timed.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: handler,
    cacheMiddleware: true,
  });
  carrySignals(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const req = args.request as RawRequest;
      // Ceph RGW before Squid needs Content-MD5 on batch deletes (teardown only, not timed).
      if (context.commandName === 'DeleteObjectsCommand' && typeof req.body === 'string') {
        req.headers['content-md5'] = createHash('md5').update(req.body).digest('base64');
      }
      const result = await next(args);
      if (context.commandName === 'ListObjectsV2Command') {
        const length = Number((result.response as RawRequest | undefined)?.headers['content-length']);
        if (Number.isFinite(length)) (result.output as unknown as Record<symbol, number>)[RESPONSE_BYTES] = length;
      }
      return result;
    },
    { step: 'build', name: 'aifbS3Extras' },
  );
  return {
    client,
    dispatcher: handler.dispatcher,
    destroy: () => {
      client.destroy();
      handler.destroy();
    },
  };
}
