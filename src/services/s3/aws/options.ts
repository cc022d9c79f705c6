import { parseHttpUrl } from '../../shared/endpoint.js';
import type { FieldsOf } from '../../fields.js';
import type { s3Fields } from './fields.js';

/** S3 refuses smaller parts (EntityTooSmall) for every part but the last. */
export const MIN_PART_SIZE = 5 * 1024 ** 2;
/** Nor does it accept more parts than this per upload. */
export const MAX_PARTS = 10_000;

/** The endpoint text and the key it came from: `endpoint_url`, else `service_url`, else `host`/`port`. */
export function endpointSource(fields: FieldsOf<typeof s3Fields>): { key: string; text: string } | undefined {
  for (const key of ['endpoint_url', 'service_url'] as const) {
    const text = fields[key]?.trim();
    if (text) return { key, text };
  }
  const host = fields.host;
  if (!host) return undefined;
  if (host.includes('://')) return { key: 'host', text: host };
  // A bare IPv6 address needs brackets in a URL.
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { key: 'host', text: `http://${h}${typeof fields.port === 'number' ? `:${fields.port}` : ''}` };
}

/** The endpoint the client is made with, without a trailing `/`; undefined: the SDK's AWS endpoint for the region. Throws on one that is not http(s). */
export function s3EndpointOf(fields: FieldsOf<typeof s3Fields>): string | undefined {
  const source = endpointSource(fields);
  if (!source) return undefined;
  const url = parseHttpUrl(source.text);
  if (!url) throw new Error(`invalid S3 endpoint in ${source.key}`);
  return url.href.replace(/\/$/, '');
}

/** Keeps key segments portable whatever the recipe calls things. */
function segment(value: string): string {
  const clean = value.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 64);
  return clean === '' || clean === '.' || clean === '..' ? 'x' : clean;
}

/**
 * The run's own prefix. It ends with `/`, so run `b1` never matches run `b10`:
 * listing and deleting it can only reach this run's objects.
 */
export function runPrefix(keyPrefix: string, benchmarkId: string, service: string): string {
  return `${keyPrefix}${segment(benchmarkId)}/${segment(service)}/`;
}
