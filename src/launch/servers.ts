import type { ServerLaunch } from './types.js';

type Fields = Readonly<Record<string, unknown>>;

/**
 * How the servers the seed benchmarks start, for backends that do not say it
 * themselves (BackendDefinition.server wins). Images match containers/*.def; health
 * paths are each server's documented readiness endpoint (docs/hpc.md).
 */
const SERVERS: Record<string, (f: Fields) => ServerLaunch> = {
  ollama: () => ({
    command: ['ollama', 'serve'],
    containerCommand: ['ollama', 'serve'],
    image: 'docker://ollama/ollama:0.5.7',
    port: 11434,
    env: { OLLAMA_HOST: '{host}:{port}', OLLAMA_MODELS: '{data_dir}/models' },
    dataDir: '/root/.ollama',
    ready: { http: '/api/version' },
  }),
  vllm: (f) => ({
    command: ['vllm', 'serve', String(f.model ?? 'facebook/opt-125m'), '--host', '{host}', '--port', '{port}'],
    containerCommand: ['python3', '-m', 'vllm.entrypoints.openai.api_server', '--model', String(f.model ?? 'facebook/opt-125m'), '--host', '{host}', '--port', '{port}'],
    image: 'docker://vllm/vllm-openai:v0.6.6',
    port: 8000,
    env: { HF_HOME: '{data_dir}' },
    dataDir: '/root/.cache/huggingface',
    ready: { http: '/health' },
  }),
  triton: () => ({
    command: ['tritonserver', '--model-repository={data_dir}', '--http-port={port}', '--http-address={host}'],
    containerCommand: ['tritonserver', '--model-repository={data_dir}', '--http-port={port}', '--http-address={host}'],
    image: 'docker://nvcr.io/nvidia/tritonserver:24.08-py3',
    port: 8000,
    dataDir: '/models',
    ready: { http: '/v2/health/ready' },
  }),
  'vectordb/chromadb': () => ({
    command: ['npx', 'chroma', 'run', '--path', '{data_dir}', '--host', '{host}', '--port', '{port}'],
    containerCommand: ['chroma', 'run', '--path', '{data_dir}', '--host', '{host}', '--port', '{port}'],
    image: 'docker://chromadb/chroma:1.0.5',
    port: 8000,
    dataDir: '/chroma/data',
    ready: { http: '/api/v2/heartbeat' },
  }),
  'vectordb/weaviate': (f) => {
    // Weaviate opens five more ports (gRPC, gossip, gossip data, Raft, Raft RPC) with
    // fixed defaults; two servers on one host would clash, so they follow the HTTP port.
    const base = typeof f.port === 'number' ? f.port : 8080;
    return {
      command: ['weaviate-server', '--host', '{host}', '--port', '{port}', '--scheme', 'http'],
      containerCommand: ['/bin/weaviate', '--host', '{host}', '--port', '{port}', '--scheme', 'http'],
      image: 'docker://semitechnologies/weaviate:1.28.2',
      port: 8080,
      env: {
        PERSISTENCE_DATA_PATH: '{data_dir}',
        AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: 'true',
        DEFAULT_VECTORIZER_MODULE: 'none',
        // aifb declares its class; with auto-schema a class dropped mid-run would be
        // re-created silently by the next insert instead of failing it.
        AUTOSCHEMA_ENABLED: 'false',
        // No usage reports home and no profiling listener on :6060 (a cluster node has no network out).
        DISABLE_TELEMETRY: 'true',
        GO_PROFILING_DISABLE: 'true',
        CLUSTER_HOSTNAME: 'node1',
        // One node talks Raft and gossip to itself only. Without an address Weaviate picks
        // the host's first private one, and an IPv6 one makes it exit ("too many colons").
        CLUSTER_ADVERTISE_ADDR: '127.0.0.1',
        CLUSTER_BIND_ADDR: '127.0.0.1',
        RAFT_BOOTSTRAP_EXPECT: '1',
        GRPC_PORT: String(base + 1),
        CLUSTER_GOSSIP_BIND_PORT: String(base + 2),
        CLUSTER_DATA_BIND_PORT: String(base + 3),
        RAFT_PORT: String(base + 4),
        RAFT_INTERNAL_RPC_PORT: String(base + 5),
      },
      dataDir: '/var/lib/weaviate',
      ready: { http: '/v1/.well-known/ready' },
    };
  },
  postgresql: (f) => ({
    command: ['postgres', '-D', '{data_dir}', '-p', '{port}', '-h', '{host}', '-k', '{data_dir}'],
    // The image's entrypoint initialises an empty data directory (as `docker run` does) with
    // the recipe's user, password and database, then starts postgres with these arguments.
    containerCommand: ['docker-entrypoint.sh', 'postgres', '-p', '{port}', '-h', '{host}', '-k', '{data_dir}'],
    env: {
      PGDATA: '{data_dir}',
      ...(typeof f.user === 'string' ? { POSTGRES_USER: f.user } : {}),
      ...(typeof f.password === 'string' || typeof f.password === 'number' ? { POSTGRES_PASSWORD: String(f.password) } : {}),
      ...(typeof f.database === 'string' ? { POSTGRES_DB: f.database } : {}),
    },
    image: 'docker://postgres:16',
    port: 5432,
    dataDir: '/var/lib/postgresql/data',
    ready: [{ tcp: true }, { log: 'database system is ready to accept connections' }],
  }),
  s3: (f) => ({
    command: ['minio', 'server', '{data_dir}', '--address', '{host}:{port}'],
    secretEnv: ['MINIO_ROOT_USER'],
    containerCommand: ['minio', 'server', '{data_dir}', '--address', '{host}:{port}'],
    image: 'docker://minio/minio:RELEASE.2025-01-20T14-49-07Z',
    port: 9000,
    // The server's root user is the key pair the benchmark signs with, so the seed's form
    // (container_image, access_key, secret_key) starts a MinIO that accepts them; the
    // recipe's `environment` still wins. No web console: it would take a random port.
    env: {
      ...(typeof f.access_key === 'string' ? { MINIO_ROOT_USER: f.access_key } : {}),
      ...(typeof f.secret_key === 'string' ? { MINIO_ROOT_PASSWORD: f.secret_key } : {}),
      MINIO_BROWSER: 'off',
    },
    dataDir: '/data',
    // /live and /ready answer 200 before the object layer and IAM are up (S3 calls then get
    // 503 XMinioServerNotInitialized); /cluster waits for both and for write quorum.
    ready: { http: '/minio/health/cluster' },
  }),
};

/** The built-in server description for a service, if aifb knows its server. */
export function builtinServer(type: string, backend: string | undefined, fields: Fields): ServerLaunch | undefined {
  const exact = SERVERS[backend ? `${type}/${backend}` : type];
  if (exact) return exact(fields);
  const postgres = (type === 'database' || type === 'postgresql') && (!backend || backend === 'postgres' || backend === 'postgresql');
  if (postgres) return SERVERS.postgresql!(fields);
  // Families whose backend decides the server (pglite is embedded, faiss is a library).
  if (type === 'vectordb' || type === 'database' || type === 'postgresql') return undefined;
  return SERVERS[type]?.(fields);
}
