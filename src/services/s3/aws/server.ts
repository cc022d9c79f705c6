import type { ServerLaunch } from '../../../launch/types.js';
import type { CommonFields } from '../../fields.js';

/** MinIO serving one data directory, its root user the key pair the benchmark signs with. */
export function minioServer(service: CommonFields): ServerLaunch {
  const argv = ['minio', 'server', '{data_dir}', '--address', '{host}:{port}'];
  return {
    command: argv,
    secretEnv: ['MINIO_ROOT_USER'],
    containerCommand: [...argv],
    image: 'docker://minio/minio:RELEASE.2025-01-20T14-49-07Z',
    port: 9000,
    // So the seed's form (container_image, access_key, secret_key) starts a MinIO that
    // accepts them; the recipe's `environment` still wins. No web console: it would take a random port.
    env: {
      ...(service.access_key !== undefined ? { MINIO_ROOT_USER: service.access_key } : {}),
      ...(service.secret_key !== undefined ? { MINIO_ROOT_PASSWORD: service.secret_key } : {}),
      MINIO_BROWSER: 'off',
    },
    dataDir: '/data',
    // /live and /ready answer 200 before the object layer and IAM are up (S3 calls then get
    // 503 XMinioServerNotInitialized); /cluster waits for both and for write quorum.
    ready: { http: '/minio/health/cluster' },
  };
}
