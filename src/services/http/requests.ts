import { statusMatcher, type StatusSpec } from './status.js';
import { baseUrlText, parseHttpUrl } from '../shared/endpoint.js';

export { baseUrlText, parseHttpUrl };

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

export interface NamedRequest {
  path?: string;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  expect_status?: StatusSpec;
}

export function namedRequestsOf(fields: Readonly<Record<string, unknown>>): Record<string, NamedRequest> | undefined {
  const r = fields.requests;
  return r && typeof r === 'object' && Object.keys(r).length > 0 ? (r as Record<string, NamedRequest>) : undefined;
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

function template(name: string, url: URL, r: NamedRequest, defaults: Readonly<Record<string, unknown>>): RequestTemplate {
  const headers = { ...((defaults.headers as Record<string, string> | undefined) ?? {}), ...(r.headers ?? {}) };
  const method = (r.method ?? (defaults.method as string | undefined) ?? 'GET').toUpperCase();
  const body = encodeBody(r.body, headers);
  return { name, url, method, headers, body, accepts: statusMatcher(r.expect_status ?? (defaults.expect_status as StatusSpec)) };
}

/**
 * Every request the service sends. Named requests inherit the service's method,
 * headers (theirs win per name) and expect_status, but not its body; a `path` is
 * resolved against the base URL as a browser would (`/x` from the host's root,
 * `x` relative to the base's directory).
 */
export function requestTemplates(fields: Readonly<Record<string, unknown>>): RequestTemplate[] {
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
