import type { ErrorClass } from '../../../metrics/sample.js';
import type { OperationResult } from '../../contract.js';
import { AifbError } from '../../../errors.js';
import { SQL_MSG } from './messages.js';
import { scrub as scrubText } from '../../../util/scrub.js';

/**
 * SQLSTATEs the engine's table (engine/classify.ts) does not know, sorted into aifb's
 * error classes. Codes it knows (28P01, ECONNREFUSED, ...) are left to it.
 */
const SQLSTATE_CLASS: Record<string, ErrorClass> = {
  '57P01': 'connection_reset', // admin_shutdown: the server is stopping
  '57P02': 'connection_reset', // crash_shutdown
  '57P03': 'connection_refused', // cannot_connect_now: starting up or shutting down
  '08000': 'connection_reset',
  '08003': 'connection_reset',
  '08006': 'connection_reset',
  '08001': 'connection_refused',
  '08004': 'connection_refused',
  '53300': 'connection_refused', // too_many_connections
  '57014': 'timeout', // query_canceled (statement_timeout)
  '3D000': 'not_found', // database does not exist
  '42P01': 'not_found', // table does not exist
};

/** Driver errors that carry no code, only a message (node-postgres says these). */
const MESSAGE_CLASS: [RegExp, ErrorClass][] = [
  [/connection terminated|not queryable|connection ended|server closed the connection/i, 'connection_reset'],
  [/timeout exceeded when trying to connect|query read timeout/i, 'timeout'],
];

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The class of a SQL error the engine could not sort by itself, if we know it. */
export function sqlErrorClass(err: unknown): ErrorClass | undefined {
  const code = codeOf(err);
  if (code !== undefined && SQLSTATE_CLASS[code]) return SQLSTATE_CLASS[code];
  if (code !== undefined) return undefined;
  const message = err instanceof Error ? err.message : String(err);
  return MESSAGE_CLASS.find(([re]) => re.test(message))?.[1];
}

/** The driver's message through aifb's one scrubber, with this connection's password besides. */
export function scrub(message: string, secret: string | undefined): string {
  return scrubText(message, [secret]);
}

/**
 * A failed operation as a result when we know its class; otherwise the error is
 * rethrown (scrubbed) for the engine to classify by its code.
 */
export function failureOf(err: unknown, secret: string | undefined): OperationResult {
  if (err instanceof Error) err.message = scrub(err.message, secret);
  const cls = sqlErrorClass(err);
  if (!cls) throw err;
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, errorClass: cls, status: codeOf(err) ?? cls, message };
}

export interface Endpoint {
  /** host:port or socket directory, for messages. */
  where: string;
  user: string;
  database: string;
}

/** One clear message for a failed first connection: auth, refused, unknown database, ... */
export function connectError(err: unknown, at: Endpoint, secret: string | undefined): AifbError {
  const code = codeOf(err) ?? (err as { errors?: { code?: string }[] }).errors?.[0]?.code;
  const why = scrub(err instanceof Error ? err.message || err.name : String(err), secret);
  let message: string;
  if (code === '28P01') message = SQL_MSG.authFailed(at.where, at.user);
  else if (code === '28000') message = `${SQL_MSG.authFailed(at.where, at.user)}: ${why}`;
  else if (code === '3D000') message = SQL_MSG.unknownDatabase(at.where, at.database);
  else if (code === 'ECONNREFUSED' || code === 'ENOENT') message = SQL_MSG.refused(at.where);
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') message = SQL_MSG.hostNotFound(at.where);
  else if (code === 'ETIMEDOUT' || /timeout/i.test(why)) message = SQL_MSG.timedOut(at.where);
  else message = SQL_MSG.cannotConnect(at.where, why);
  // The cause keeps the code for callers; its message was scrubbed above. An endpoint that
  // refuses us or does not resolve is the recipe's (bad input, exit 2); anything else is not.
  const cause = { code, message: why };
  const known = ['28P01', '28000', '3D000', 'ECONNREFUSED', 'ENOENT', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT'].includes(code ?? '') || /timeout/i.test(why);
  return new AifbError(known ? 'bad-input' : 'runtime', message, { cause });
}
