import type { ErrorClass } from '../metrics/sample.js';
import type { OperationResult } from '../services/contract.js';
import { scrubMessage } from '../util/scrub.js';

const BY_CODE: Record<string, ErrorClass> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  ENOENT: 'not_found',
  EACCES: 'io',
  EPERM: 'io',
  EIO: 'io',
  EROFS: 'io',
  EINVAL: 'io',
  // PostgreSQL SQLSTATEs (node-postgres puts them in `code`).
  '28P01': 'auth',
  '28000': 'auth',
  '57P01': 'connection_reset',
  '57P02': 'connection_reset',
  '08000': 'connection_reset',
  '08003': 'connection_reset',
  '08006': 'connection_reset',
  '57P03': 'connection_refused',
  '08001': 'connection_refused',
  '08004': 'connection_refused',
  '53300': 'connection_refused',
  '57014': 'timeout',
  '3D000': 'not_found',
  '42P01': 'not_found',
};

/** Error class from an HTTP-like status code. */
export function classOfStatus(status: number): ErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return 'protocol';
}

function codesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner)) for (const x of inner) codes.push(...codesOf(x));
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function namesOf(err: unknown): string[] {
  const names: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    names.push(e.name);
    e = (e as { cause?: unknown }).cause;
  }
  return names;
}

/** An error marked by a backend as a protocol violation (malformed response). */
export class ProtocolError extends Error {
  readonly errorClass: ErrorClass = 'protocol';
}

/**
 * Sorts a thrown error into an error class. The request's own abort reasons win: a
 * timeout is a timeout and our own stop is `cancelled`, whatever the SDK wrapped them in.
 */
export function classifyThrown(err: unknown, timedOut: boolean, cancelled: boolean): OperationResult {
  const message = truncate(scrubMessage(err instanceof Error ? err.message || err.name : String(err)));
  if (cancelled) return { ok: false, errorClass: 'cancelled', message };
  if (timedOut) return { ok: false, errorClass: 'timeout', message: 'request timed out' };
  const explicit = (err as { errorClass?: ErrorClass } | null)?.errorClass;
  if (explicit) {
    const st = (err as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } } | null);
    const status = typeof st?.statusCode === 'number' ? st.statusCode : st?.$metadata?.httpStatusCode;
    return { ok: false, errorClass: explicit, status: typeof status === 'number' ? status : null, message };
  }
  const codes = codesOf(err);
  for (const c of codes) {
    const cls = BY_CODE[c];
    if (cls) return { ok: false, errorClass: cls, status: c, message };
  }
  // HTTP parse errors (undici's HTTPParserError, llhttp's HPE_* codes): the server broke HTTP.
  const parse = codes.find((c) => c.startsWith('HPE_')) ?? (namesOf(err).includes('HTTPParserError') ? 'HTTPParserError' : undefined);
  if (parse) return { ok: false, errorClass: 'protocol', status: parse, message };
  const status = (err as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } } | null);
  const http = typeof status?.statusCode === 'number' ? status.statusCode : status?.$metadata?.httpStatusCode;
  if (typeof http === 'number') return { ok: false, errorClass: classOfStatus(http), status: http, message };
  if (codes[0]?.startsWith('E')) return { ok: false, errorClass: 'io', status: codes[0], message };
  return { ok: false, errorClass: 'other', status: codes[0] ?? null, message };
}

/** Completes an adapter's failed result with an error class when it gave none. */
export function completeResult(r: OperationResult): OperationResult {
  if (r.ok || r.errorClass) return r;
  const cls = typeof r.status === 'number' ? classOfStatus(r.status) : 'other';
  return { ...r, errorClass: cls };
}

function truncate(s: string): string {
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}
