/** User-facing messages of the S3 backend. None of them may carry access_key or secret_key. */
export const S3_MSG = {
  noBucket: 'an s3 service needs bucket_name (aifb creates the bucket if it is missing)',
  badBucket: (name: string) => `bucket_name "${name}" cannot name a bucket: it must not contain "/" or spaces`,
  noCredentials:
    'an s3 service needs access_key and secret_key; take them from the environment, e.g. ' +
    'access_key: ${AWS_ACCESS_KEY_ID} and secret_key: ${AWS_SECRET_ACCESS_KEY}',
  badEndpoint: (value: string) => `"${value}" is not an http:// or https:// URL`,
  credentialsInUrl: 'the endpoint URL carries a user name or password; give the keys in access_key and secret_key instead',
  badKeyPrefix: 'key_prefix must not start with "/" (S3 keys are relative to the bucket)',
  partTooSmall: (min: string) => `part_size must be at least ${min}: S3 refuses smaller parts for all but the last one`,
  tooManyParts: (size: string, parts: number) =>
    `an object of ${size} would need ${parts} parts of part_size; S3 allows at most 10000, so raise part_size`,

  unreachable: (endpoint: string, why: string) =>
    `cannot reach the S3 endpoint ${endpoint}: ${why}; check endpoint_url (or host and port) and that the server is running`,
  credentialsRefused: (endpoint: string, code: string) =>
    `the S3 endpoint ${endpoint} refused the credentials (${code}); check access_key and secret_key`,
  accessDenied: (endpoint: string, bucket: string, code: string) =>
    `the S3 endpoint ${endpoint} denied access to bucket "${bucket}" (${code}); the keys need to list, read, write ` +
    'and delete objects in it (and to create it if it does not exist)',
  bucketUnavailable: (bucket: string, code: string) =>
    `bucket "${bucket}" cannot be used (${code}): it belongs to another account or its name is not accepted; choose another bucket_name`,
  setupFailed: (endpoint: string, step: string, code: string) => `S3 setup failed at ${endpoint} while ${step}: ${code}`,
  prefixNotEmpty: (bucket: string, prefix: string) =>
    `objects already exist under s3://${bucket}/${prefix}; aifb only writes to a prefix of its own, so it will not ` +
    'run there (use a new benchmark id or another key_prefix)',

  noTarget: (operation: string) =>
    `no object available for ${operation} (all deleted or in use by other operations); ` +
    'raise initial_objects or the share of put in operation_mix',
  corrupt: (expected: number, got: number) =>
    `verify_checksums: read ${got} bytes whose content differs from the ${expected} bytes written`,
  leftOver: (bucket: string, prefix: string, why: string) =>
    `could not remove every object under s3://${bucket}/${prefix}: ${why}; remove them with ` +
    `"aws s3 rm --recursive s3://${bucket}/${prefix}" (add --endpoint-url for MinIO or Ceph)`,
} as const;
