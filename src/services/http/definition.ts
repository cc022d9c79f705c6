import type { BackendDefinition } from '../contract.js';
import { HTTP_MSG } from './messages.js';
import { rangeOf } from './status.js';
import { baseUrlText, httpFields, namedRequestsOf, parseHttpUrl, type NamedRequest } from './requests.js';

type Problem = { path: (string | number)[]; message: string };

const REQUEST_NAME = /^[A-Za-z0-9_.-]+$/;

function checkUrl(text: unknown, path: (string | number)[], out: Problem[]): void {
  if (typeof text !== 'string') return;
  const url = parseHttpUrl(text);
  if (!url) out.push({ path, message: HTTP_MSG.badUrl(text) });
  else if (url.username || url.password) out.push({ path, message: HTTP_MSG.credentialsInUrl });
}

/** undici refuses these (or computes them itself); better to say so at validation than fail every request. */
const MANAGED_HEADERS = ['transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'content-length'];

function checkHeaders(headers: unknown, path: (string | number)[], out: Problem[]): void {
  for (const key of Object.keys(headers && typeof headers === 'object' ? headers : {})) {
    if (MANAGED_HEADERS.includes(key.toLowerCase())) out.push({ path: [...path, key], message: HTTP_MSG.managedHeader(key) });
  }
}

function checkRanges(spec: unknown, path: (string | number)[], out: Problem[]): void {
  const items = Array.isArray(spec) ? spec : spec === undefined ? [] : [spec];
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number') continue;
    const r = rangeOf(item);
    if (r && r[0] > r[1]) out.push({ path, message: HTTP_MSG.badRange(String(item)) });
  }
}

function checkNamed(named: Record<string, NamedRequest>, hasBase: boolean, out: Problem[]): void {
  for (const [name, r] of Object.entries(named)) {
    if (!r || typeof r !== 'object') continue;
    const at = ['requests', name];
    if (!REQUEST_NAME.test(name)) out.push({ path: at, message: HTTP_MSG.badRequestName });
    if (r.path !== undefined && r.url !== undefined) out.push({ path: at, message: HTTP_MSG.pathAndUrl(name) });
    else if (r.url !== undefined) checkUrl(r.url, [...at, 'url'], out);
    else if (r.path === undefined) out.push({ path: at, message: HTTP_MSG.pathOrUrl(name) });
    else if (!hasBase) out.push({ path: [...at, 'path'], message: HTTP_MSG.pathWithoutBase(name) });
    checkRanges(r.expect_status, [...at, 'expect_status'], out);
    checkHeaders(r.headers, [...at, 'headers'], out);
  }
}

/** Rules zod shapes cannot express: a target exists, URLs parse, named requests are complete. */
function check(service: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const baseText = baseUrlText(service);
  const baseKey = typeof service.url === 'string' ? 'url' : typeof service.service_url === 'string' ? 'service_url' : 'host';
  if (baseText !== undefined) checkUrl(baseText, [baseKey], out);
  checkRanges(service.expect_status, ['expect_status'], out);
  checkHeaders(service.headers, ['headers'], out);
  const named = namedRequestsOf(service);
  if (named) checkNamed(named, baseText !== undefined, out);
  else if (baseText === undefined) out.push({ path: [], message: HTTP_MSG.noTarget });
  return out;
}

/** With named requests, each is an operation, and `request` picks among them evenly. */
function operationsFor(service: Record<string, unknown>): readonly string[] {
  const named = namedRequestsOf(service);
  return named ? ['request', ...Object.keys(named)] : ['request'];
}

/** Named requests share the default mix evenly, so reports show each under its own name. */
function defaultMixFor(service: Record<string, unknown>): Record<string, number> {
  const names = Object.keys(namedRequestsOf(service) ?? {});
  return names.length > 0 ? Object.fromEntries(names.map((n) => [n, 1 / names.length])) : { request: 1 };
}

/**
 * Any HTTP endpoint. Without `requests` the one operation is `request`; with it, the
 * operations are the request names (see operationsFor).
 */
export const httpDefinition: BackendDefinition<typeof httpFields> = {
  serviceTypes: ['http'],
  description: 'generic HTTP: any URL, method, headers and body (undici connection pool)',
  fields: httpFields,
  operations: ['request'],
  defaultMix: { request: 1 },
  operationsFor,
  defaultMixFor,
  check,
  metrics: [],
  load: () => import('./adapter.js'),
};
