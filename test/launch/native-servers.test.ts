import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadRecipeFile } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { planServer } from '../../src/launch/plan.js';

// How examples/minio.yaml and examples/weaviate.yaml start their servers natively, checked
// without the binaries (the live tests run them: test/services/s3-minio, test/vectordb/weaviate-live).
const root = new URL('../..', import.meta.url).pathname;
const ctx = { cwd: '/work/run', logsDir: '/work/run/logs' };

test('examples/minio.yaml: minio server on its data dir, root user = the key pair, readiness /minio/health/cluster', () => {
  const env = { MINIO_PORT: '19000', MINIO_ROOT_USER: 'bench-user', MINIO_ROOT_PASSWORD: 'bench-secret-123' };
  const plan = loadRecipeFile(join(root, 'examples/minio.yaml'), { registry: builtinRegistry, env });
  assert.deepEqual(plan.warnings, []);
  const spec = plan.services[0]!;
  const p = planServer(spec, builtinRegistry.resolve(spec.type, spec.backend), ctx, 'local');
  assert.deepEqual(p.argv, ['minio', 'server', '/work/run/logs/data/minio', '--address', '127.0.0.1:19000']);
  assert.deepEqual([p.env.MINIO_ROOT_USER, p.env.MINIO_ROOT_PASSWORD, p.env.MINIO_BROWSER], ['bench-user', 'bench-secret-123', 'off']);
  assert.deepEqual(p.ready, { http: '/minio/health/cluster' });
  assert.equal(p.launcher.runtime, 'native', 'container_image is kept for Slurm/Apptainer; runtime native runs the binary');
});

test('examples/weaviate.yaml: weaviate-server with its side ports after the HTTP port, auto-schema and telemetry off', () => {
  const plan = loadRecipeFile(join(root, 'examples/weaviate.yaml'), { registry: builtinRegistry, env: { WEAVIATE_PORT: '18080' } });
  const spec = plan.services[0]!;
  const p = planServer(spec, builtinRegistry.resolve(spec.type, spec.backend), ctx, 'local');
  assert.deepEqual(p.argv, ['weaviate-server', '--host', '127.0.0.1', '--port', '18080', '--scheme', 'http']);
  assert.deepEqual(
    ['GRPC_PORT', 'CLUSTER_GOSSIP_BIND_PORT', 'CLUSTER_DATA_BIND_PORT', 'RAFT_PORT', 'RAFT_INTERNAL_RPC_PORT'].map((k) => p.env[k]),
    ['18081', '18082', '18083', '18084', '18085'],
  );
  assert.deepEqual([p.env.AUTOSCHEMA_ENABLED, p.env.DISABLE_TELEMETRY, p.env.CLUSTER_ADVERTISE_ADDR, p.env.PERSISTENCE_DATA_PATH], ['false', 'true', '127.0.0.1', '/work/run/logs/data/weaviate']);
  assert.deepEqual(p.ready, { http: '/v1/.well-known/ready' });
});
