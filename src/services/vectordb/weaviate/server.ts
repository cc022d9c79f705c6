import type { ServerLaunch } from '../../../launch/types.js';
import type { CommonFields } from '../../fields.js';

/** A one-node Weaviate without auth, vectorizer modules or auto-schema. */
export function weaviateServer(service: CommonFields): ServerLaunch {
  // Weaviate opens five more ports (gRPC, gossip, gossip data, Raft, Raft RPC) with
  // fixed defaults; two servers on one host would clash, so they follow the HTTP port.
  const base = typeof service.port === 'number' ? service.port : 8080;
  const args = ['--host', '{host}', '--port', '{port}', '--scheme', 'http'];
  return {
    command: ['weaviate-server', ...args],
    containerCommand: ['/bin/weaviate', ...args],
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
}
