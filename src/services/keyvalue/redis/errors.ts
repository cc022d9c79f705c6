import { ClientClosedError, ClientOfflineError, ConnectionTimeoutError, ErrorReply, SocketClosedUnexpectedlyError, SocketTimeoutError } from 'redis';
import type { ErrorClass } from '../../../metrics/sample.js';

/** Redis error replies by their first word (the error's "prefix", redis.io/docs/latest/develop/reference/protocol-spec). */
const REPLY_CLASS: Record<string, ErrorClass> = {
  NOAUTH: 'auth',
  WRONGPASS: 'auth',
  NOPERM: 'auth',
  WRONGTYPE: 'protocol',
  ERR: 'server_error',
  OOM: 'server_error',
  LOADING: 'server_error',
  BUSY: 'server_error',
  READONLY: 'server_error',
  MISCONF: 'server_error',
  MASTERDOWN: 'server_error',
};

/** An operation's failure with the class aifb sorts it into (engine/classify reads `errorClass`). */
export class RedisOperationError extends Error {
  constructor(
    message: string,
    readonly errorClass: ErrorClass,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The class of a node-redis error, or undefined to leave it to the engine (socket errors
 * with a code such as ECONNREFUSED). Offline and closed clients mean the connection is gone:
 * with the offline queue off, node-redis fails a command at once instead of queueing it.
 */
export function redisErrorClass(err: unknown): ErrorClass | undefined {
  if (err instanceof ErrorReply) return REPLY_CLASS[/^[A-Z]+/.exec(err.message)?.[0] ?? ''] ?? 'server_error';
  if (err instanceof ConnectionTimeoutError || err instanceof SocketTimeoutError) return 'timeout';
  if (err instanceof SocketClosedUnexpectedlyError || err instanceof ClientOfflineError || err instanceof ClientClosedError) return 'connection_reset';
  return undefined;
}

/** The error to throw for a failed operation: classed when we know its class, as it was otherwise. */
export function classed(err: unknown): unknown {
  const cls = redisErrorClass(err);
  if (!cls) return err;
  return new RedisOperationError(err instanceof Error ? err.message : String(err), cls, { cause: err });
}
