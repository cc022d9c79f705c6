import type { BackendDefinition } from '../contract.js';
import { HTTP_MSG } from './messages.js';
import { rangeOf } from './status.js';
import { baseUrlText, httpFields, namedRequestsOf, parseHttpUrl, type NamedRequest } from './requests.js';
import type { FieldsOf } from '../fields.js';

type Problem = { path: (string | number)[]; message: string };
type Fields = FieldsOf<typeof httpFields>;

const REQUEST_NAME = /^[A-Za-z0-9_.-]+$/;

function checkUrl(text: string, path: (string | number)[], out: Problem[]): void {
  const url = parseHttpUrl(text);
  if (!url) out.push({ path, message: HTTP_MSG.badUrl(text) });
  else if (url.username || url.password) out.push({ path, message: HTTP_MSG.credentialsInUrl });
}

/** undici refuses these (or computes them itself); better to say so at validation than fail every request. */
const MANAGED_HEADERS = ['transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'content-length'];

function checkHeaders(headers: Record<string, string> | undefined, path: (string | number)[], out: Problem[]): void {
  for (const key of Object.keys(headers ?? {})) {
    if (MANAGED_HEADERS.includes(key.toLowerCase())) out.push({ path: [...path, key], message: HTTP_MSG.managedHeader(key) });
  }
}

function checkRanges(spec: NamedRequest['expect_status'], path: (string | number)[], out: Problem[]): void {
  for (const item of Array.isArray(spec) ? spec : spec === undefined ? [] : [spec]) {
    const r = rangeOf(item);
    if (r && r[0] > r[1]) out.push({ path, message: HTTP_MSG.badRange(String(item)) });
  }
}

function checkNamed(named: Record<string, NamedRequest>, hasBase: boolean, out: Problem[]): void {
  for (const [name, r] of Object.entries(named)) {
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
function check(service: Fields): Problem[] {
  const out: Problem[] = [];
  const baseText = baseUrlText(service);
  const baseKey = service.url !== undefined ? 'url' : service.service_url !== undefined ? 'service_url' : 'host';
  if (baseText !== undefined) checkUrl(baseText, [baseKey], out);
  checkRanges(service.expect_status, ['expect_status'], out);
  checkHeaders(service.headers, ['headers'], out);
  const named = namedRequestsOf(service);
  if (named) checkNamed(named, baseText !== undefined, out);
  else if (baseText === undefined) out.push({ path: [], message: HTTP_MSG.noTarget });
  return out;
}

/** With named requests, each is an operation, and `request` picks among them evenly. */
function operationsFor(service: Fields): readonly string[] {
  return ['request', ...Object.keys(namedRequestsOf(service) ?? {})];
}

/** Named requests share the default mix evenly, so reports show each under its own name. */
function defaultMixFor(service: Fields): Record<string, number> {
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
