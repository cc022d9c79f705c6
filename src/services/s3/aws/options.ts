import { parseHttpUrl } from '../../shared/endpoint.js';
import type { FieldsOf } from '../../fields.js';
import { DEFAULTS, type s3Fields } from './fields.js';
import { sizeClassesOf, type SizeClass } from '../../file_storage/posix/options.js';

/** S3 refuses smaller parts (EntityTooSmall) for every part but the last. */
export const MIN_PART_SIZE = 5 * 1024 ** 2;
/** Nor does it accept more parts than this per upload. */
export const MAX_PARTS = 10_000;

export interface S3Options {
  /** undefined: the SDK's AWS endpoint for the region. */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  pathStyle: boolean;
  sizes: SizeClass[];
  initialObjects: number;
  /** Where run prefixes go: `<keyPrefix><benchmarkId>/<service>/`. */
  keyPrefix: string;
  /** `put` of an object at least this large goes multipart; undefined: never. */
  multipartThreshold: number | undefined;
  partSize: number;
  multipartConcurrency: number;
  verifyChecksums: boolean;
  listMaxKeys: number;
  maxAttempts: number;
}

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

/** The backend's options, from the service's parsed, defaulted fields (services/fields.ts). */
export function s3OptionsOf(f: FieldsOf<typeof s3Fields>): S3Options {
  const sizes = sizeClassesOf(f.object_sizes ?? DEFAULTS.objectSizes);
  if (sizes.length === 0) throw new Error('object_sizes has no size with a positive weight');
  const source = endpointSource(f);
  const endpoint = source ? parseHttpUrl(source.text) : undefined;
  if (source && !endpoint) throw new Error(`invalid S3 endpoint in ${source.key}`);
  return {
    endpoint: endpoint?.href.replace(/\/$/, ''),
    region: f.region || DEFAULTS.region,
    bucket: f.bucket_name ?? '',
    accessKey: f.access_key ?? '',
    secretKey: f.secret_key ?? '',
    pathStyle: f.path_style,
    sizes,
    initialObjects: f.initial_objects,
    keyPrefix: f.key_prefix,
    multipartThreshold: f.multipart_threshold,
    partSize: f.part_size,
    multipartConcurrency: f.multipart_concurrency,
    verifyChecksums: f.verify_checksums,
    listMaxKeys: f.list_max_keys,
    maxAttempts: f.max_attempts,
  };
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
