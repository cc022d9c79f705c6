import { z } from 'zod';
import { STATUS_PATTERN, statusMatcher } from './status.js';
import { HTTP_MSG } from './messages.js';
import { baseUrlText, parseHttpUrl } from '../shared/endpoint.js';
import type { FieldsOf } from '../fields.js';

export { baseUrlText, parseHttpUrl };

const methodField = z.string().regex(/^[A-Za-z]+$/, { error: HTTP_MSG.badMethod });
const headersField = z.record(z.string(), z.string());
const bodyField = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], {
  error: HTTP_MSG.badBody,
});
const statusError = { error: HTTP_MSG.badStatus };
const statusItem = z.union(
  [z.int(statusError).min(100, statusError).max(599, statusError), z.string(statusError).regex(STATUS_PATTERN, statusError)],
  statusError,
);
const expectField = z.union([statusItem, z.array(statusItem).min(1)], { error: HTTP_MSG.badStatus });

const namedRequest = z.strictObject({
  path: z.string().optional(),
  url: z.string().optional(),
  method: methodField.optional(),
  headers: headersField.optional(),
  body: bodyField.optional(),
  expect_status: expectField.optional(),
});

/** One entry of `requests`: an operation of its own. */
export type NamedRequest = z.output<typeof namedRequest>;

/** The generic HTTP backend's keys: one request, or named ones that inherit its method, headers and expect_status. */
export const httpFields = {
  url: z.string().optional(),
  method: methodField.optional(),
  headers: headersField.optional(),
  body: bodyField.optional(),
  expect_status: expectField.optional(),
  requests: z.record(z.string(), namedRequest).optional(),
} satisfies z.ZodRawShape;

/** One request as the recipe describes it, ready to send many times. */
export interface RequestTemplate {
  /** Operation name: "request", or the key under `requests`. */
  name: string;
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** Built once; undici sends the same bytes on every request. */
  body: Buffer | undefined;
  accepts: (status: number) => boolean;
}

/** The service's named requests, or undefined when it has none (an empty `requests` included). */
export function namedRequestsOf(fields: FieldsOf<typeof httpFields>): Record<string, NamedRequest> | undefined {
  const r = fields.requests;
  return r && Object.keys(r).length > 0 ? r : undefined;
}

/** Objects and lists go as JSON, with a content type unless the recipe set one. */
function encodeBody(body: unknown, headers: Record<string, string>): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function template(name: string, url: URL, r: NamedRequest, defaults: FieldsOf<typeof httpFields>): RequestTemplate {
  const headers = { ...(defaults.headers ?? {}), ...(r.headers ?? {}) };
  const method = (r.method ?? defaults.method ?? 'GET').toUpperCase();
  const body = encodeBody(r.body, headers);
  return { name, url, method, headers, body, accepts: statusMatcher(r.expect_status ?? defaults.expect_status) };
}

/**
 * Every request the service sends. Named requests inherit the service's method,
 * headers (theirs win per name) and expect_status, but not its body; a `path` is
 * resolved against the base URL as a browser would (`/x` from the host's root,
 * `x` relative to the base's directory).
 */
export function requestTemplates(fields: FieldsOf<typeof httpFields>): RequestTemplate[] {
  const baseText = baseUrlText(fields);
  const base = baseText === undefined ? undefined : parseHttpUrl(baseText);
  const named = namedRequestsOf(fields);
  if (!named) {
    if (!base) throw new Error(`http: no valid base URL (${String(baseText)})`);
    return [template('request', base, { body: fields.body }, fields)];
  }
  return Object.entries(named).map(([name, r]) => {
    const url = r.url !== undefined ? parseHttpUrl(r.url) : base && r.path !== undefined ? new URL(r.path, base) : undefined;
    if (!url) throw new Error(`http: request "${name}" has no valid URL`);
    return template(name, url, r, fields);
  });
}
