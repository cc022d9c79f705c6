import { z } from 'zod';
import { payloadSizeField, sizeField, textField } from '../../../recipe/fields.js';
import { BOUNDS, boundedInt } from '../../../recipe/bounds.js';
import { parseSizeBytes } from '../../../util/units.js';

export const DEFAULTS = {
  region: 'us-east-1',
  keyPrefix: 'aifb/',
  objectSizes: { '1MB': 1 } as Record<string, number>,
  initialObjects: 64,
  partSize: 8 * 1024 ** 2,
  multipartConcurrency: 4,
  listMaxKeys: 1000,
  maxAttempts: 1,
};

const bytes = (v: string | number) => parseSizeBytes(v)!;
// Transforms rather than defaults: the recipe's schema (input) stays the common key's.
const orEmpty = textField.optional().transform((v) => v ?? '');

/** The keys the S3 backend adds, with their defaults (sizes in bytes once parsed). */
export const s3Fields = {
  initial_objects: boundedInt(0, BOUNDS.initialItems).default(DEFAULTS.initialObjects),
  /** Where run prefixes go, ending in `/` once parsed (`aifb` → `aifb/`; '' stays '': they start at the bucket's root). */
  key_prefix: z.string().transform((p) => (p === '' || p.endsWith('/') ? p : `${p}/`)).default(DEFAULTS.keyPrefix),
  /** `put` of an object at least this large goes multipart; unset: never. */
  multipart_threshold: sizeField.transform(bytes).optional(),
  part_size: payloadSizeField.transform(bytes).default(DEFAULTS.partSize),
  multipart_concurrency: z.int().min(1).max(64).default(DEFAULTS.multipartConcurrency),
  verify_checksums: z.boolean().default(false),
  list_max_keys: z.int().min(1).max(1000).default(DEFAULTS.listMaxKeys),
  path_style: z.boolean().default(true),
  max_attempts: z.int().min(1).max(10).default(DEFAULTS.maxAttempts),
  // Common keys, filled in: check() refuses a recipe without bucket or keys, so '' only reaches an adapter built by hand.
  region: textField.optional().transform((r) => r || DEFAULTS.region),
  bucket_name: orEmpty,
  access_key: orEmpty,
  secret_key: orEmpty,
} satisfies z.ZodRawShape;
