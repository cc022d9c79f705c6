import { AifbError } from '../../../errors.js';
import { S3_MSG } from './messages.js';
import { scrub as scrubText, scrubError as scrubErr } from '../../../util/scrub.js';

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

const CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'AuthorizationHeaderMalformed',
  'InvalidSecurity',
  'InvalidClientTokenId',
]);

/** The S3 error code (`NoSuchBucket`), the Node error code (`ECONNREFUSED`) or the HTTP status, as text. */
export function codeOf(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  const netCode = typeof e.code === 'string' ? e.code : (e.cause as SdkError | undefined)?.code;
  if (netCode) return netCode;
  const status = e.$metadata?.httpStatusCode;
  // HEAD answers have no body, so the SDK names their errors after the status alone.
  if (e.name && e.name !== 'Unknown' && e.name !== 'Error' && e.name !== 'UnknownError') return e.name;
  if (e.Code) return e.Code;
  return status ? `HTTP ${status}` : (e.name ?? 'unknown error');
}

export function statusOf(err: unknown): number | undefined {
  return (err as SdkError | null)?.$metadata?.httpStatusCode;
}

/** True when the bucket itself is missing, as opposed to being refused. */
export function isNoSuchBucket(err: unknown): boolean {
  return codeOf(err) === 'NoSuchBucket';
}

/** The text through aifb's one scrubber, with this client's keys besides. */
export function scrub(text: string, secrets: readonly string[]): string {
  return scrubText(text, secrets.filter((x) => x.length >= 4));
}

export function scrubError(err: unknown, secrets: readonly string[]): unknown {
  return scrubErr(err, secrets.filter((x) => x.length >= 4));
}

/**
 * A key that is gone (NoSuchKey, or 404 on HEAD) is `not_found` rather than a generic
 * http_4xx, as for file storage; the engine honours an error's own `errorClass`.
 */
export function markNotFound(err: unknown): unknown {
  if (err && typeof err === 'object' && statusOf(err) === 404 && !isNoSuchBucket(err)) {
    (err as { errorClass?: string }).errorClass = 'not_found';
  }
  return err;
}

/**
 * One clear message for a failure before the load starts. It names the endpoint and
 * what aifb was doing, never a key; the original error stays as the cause.
 */
export function setupError(
  err: unknown,
  where: { endpoint: string; bucket: string; step: string; aborted: boolean },
  secrets: readonly string[],
): AifbError {
  const code = codeOf(err);
  const status = statusOf(err);
  let message: string;
  // The recipe's endpoint, keys or bucket are wrong: bad input (exit 2), as for every backend.
  let kind: 'bad-input' | 'runtime' = 'bad-input';
  if (where.aborted) message = S3_MSG.unreachable(where.endpoint, 'no answer in time');
  else if (NETWORK[code]) message = S3_MSG.unreachable(where.endpoint, `${NETWORK[code]} (${code})`);
  else if (CREDENTIALS.has(code)) message = S3_MSG.credentialsRefused(where.endpoint, code);
  else if (code === 'AccessDenied' || status === 403) message = S3_MSG.accessDenied(where.endpoint, where.bucket, code);
  else if (code === 'BucketAlreadyExists' || code === 'InvalidBucketName') message = S3_MSG.bucketUnavailable(where.bucket, code);
  else {
    const detail = err instanceof Error && err.message && err.message !== code ? `${code}: ${err.message}` : code;
    message = S3_MSG.setupFailed(where.endpoint, where.step, detail);
    kind = 'runtime';
  }
  return new AifbError(kind, scrub(message, secrets), { cause: scrubError(err, secrets) });
}
