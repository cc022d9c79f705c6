import type { BackendDefinition, MetricDeclaration } from '../../contract.js';
import { minioServer } from './server.js';
import { formatBytes, parseSizeBytes } from '../../../util/units.js';
import { S3_MSG } from './messages.js';
import { MAX_PARTS, MIN_PART_SIZE, endpointSource } from './options.js';
import { parseHttpUrl } from '../../shared/endpoint.js';
import { s3Fields } from './fields.js';
import type { FieldsOf } from '../../fields.js';

type Problem = { path: (string | number)[]; message: string };

/**
 * `head` is the S3 call (HeadObject); `stat` is warp's name for the same request and
 * is accepted so warp users' mixes run unchanged; each is reported under its own name.
 */
export const S3_OPERATIONS = ['put', 'get', 'head', 'stat', 'list', 'delete', 'multipart_put'] as const;

/** warp's `mixed` benchmark: GET 45 %, STAT 30 %, PUT 15 %, DELETE 10 %. */
export const S3_DEFAULT_MIX = { get: 0.45, head: 0.3, put: 0.15, delete: 0.1 };

/** GETs time their first byte (the adapter's `ttfb_ms`), as warp reports TTFB. */
export const S3_METRICS: readonly MetricDeclaration[] = [
  { name: 'ttfb_ms', kind: 'trend', unit: 'ms', operations: ['get'], description: 'time to first byte of a GET: from its send to the first byte of the body', reportAs: 'ttfb' },
];

type Fields = FieldsOf<typeof s3Fields>;

function checkEndpoint(service: Fields, out: Problem[]): void {
  const source = endpointSource(service);
  if (!source) return;
  const url = parseHttpUrl(source.text);
  if (!url) out.push({ path: [source.key], message: S3_MSG.badEndpoint(source.text) });
  else if (url.username || url.password) out.push({ path: [source.key], message: S3_MSG.credentialsInUrl });
}

function checkParts(service: Fields, out: Problem[]): void {
  const part = service.part_size;
  if (part < MIN_PART_SIZE) {
    out.push({ path: ['part_size'], message: S3_MSG.partTooSmall(formatBytes(MIN_PART_SIZE)) });
    return;
  }
  for (const key of Object.keys(service.object_sizes ?? {})) {
    const bytes = parseSizeBytes(key);
    if (bytes !== undefined && Math.ceil(bytes / part) > MAX_PARTS) {
      out.push({ path: ['object_sizes', key], message: S3_MSG.tooManyParts(key, Math.ceil(bytes / part)) });
    }
  }
}

/** Rules zod shapes cannot express: credentials and bucket present, endpoint and part sizes sane. */
function check(service: Fields): Problem[] {
  const out: Problem[] = [];
  const bucket = service.bucket_name;
  if (!bucket) out.push({ path: ['bucket_name'], message: S3_MSG.noBucket });
  else if (/[/\s]/.test(bucket)) out.push({ path: ['bucket_name'], message: S3_MSG.badBucket(bucket) });
  // Without both keys the SDK would search its default chain, which probes the EC2
  // metadata address on the network: never what a benchmark of MinIO or Ceph wants.
  if (!service.access_key || !service.secret_key) {
    out.push({ path: [service.access_key ? 'secret_key' : 'access_key'], message: S3_MSG.noCredentials });
  }
  if (service.key_prefix.startsWith('/')) out.push({ path: ['key_prefix'], message: S3_MSG.badKeyPrefix });
  checkEndpoint(service, out);
  checkParts(service, out);
  return out;
}

/** S3-compatible object storage (MinIO, Ceph RGW, AWS) through @aws-sdk/client-s3. */
export const s3Definition: BackendDefinition<typeof s3Fields> = {
  serviceTypes: ['s3'],
  backend: 'aws-sdk',
  isDefault: true,
  // The seed's S3 service was MinIO, and its client took any backend name.
  aliases: ['minio'],
  description: 'S3-compatible object storage (put/get/head/list/delete/multipart_put of a size mix; MinIO, Ceph RGW, AWS)',
  fields: s3Fields,
  operations: S3_OPERATIONS,
  defaultMix: S3_DEFAULT_MIX,
  check,
  metrics: S3_METRICS,
  load: () => import('./adapter.js'),
  server: minioServer,
};
