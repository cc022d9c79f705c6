import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { BackendRegistry } from '../../src/services/registry.js';
import { s3Definition } from '../../src/services/s3/aws/definition.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { S3RVER_KEYS, assertBucketGone, inspector, startS3Server } from '../helpers/s3-server.js';

// Recipes with s3 services, from the YAML text to the metrics database, against s3rver.

const registry = new BackendRegistry([s3Definition]);
const root = new URL('../..', import.meta.url).pathname;

test('examples/s3.yaml validates, with keys and endpoint from the environment', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret-value', S3_ENDPOINT: 'http://10.0.0.5:9000' };
  const plan = loadRecipeFile(join(root, 'examples/s3.yaml'), { registry, env });
  assert.deepEqual(plan.services.map((s) => [s.type, s.backend]), [['s3', 'aws-sdk'], ['s3', 'aws-sdk']]);
  assert.equal(plan.services[0]!.fields.endpoint_url, 'http://10.0.0.5:9000');
  assert.equal(plan.services[0]!.fields.secret_key, 'example-secret-value');
  assert.deepEqual(plan.warnings, []);
  assert.ok(!plan.redactedText.includes('example-secret-value'));
  assert.deepEqual(plan.services[0]!.mix.map((m) => m.operation), ['get', 'head', 'put', 'delete']);
});

test("the seed's s3 service validates as written, warning about its plain-text keys", () => {
  const plan = loadRecipeText(
    `services:
  - service_name: minio
    service_type: s3
    endpoint_url: http://localhost:9000
    access_key: minioadmin
    secret_key: minioadmin
    bucket_name: benchmark
    region: us-east-1
    object_sizes: {1KB: 0.3, 1MB: 0.5, 64MB: 0.2}
    operation_mix: {put: 0.3, get: 0.5, list: 0.1, delete: 0.1}
`,
    'seed.yaml',
    { registry, env: {} },
  );
  assert.equal(plan.services[0]!.backend, 'aws-sdk');
  assert.ok(plan.warnings.some((w) => w.includes('secret_key')), plan.warnings.join('\n'));
  assert.ok(!plan.redactedText.includes('minioadmin'));
});

test('a recipe runs end to end: samples reach the database, bad keys fail one service clearly', async (t) => {
  const server = await startS3Server(t);
  const secret = 'never-in-the-database-123';
  const plan = loadRecipeText(
    `services:
  - service_name: good
    service_type: s3
    endpoint_url: \${S3_ENDPOINT}
    access_key: \${AWS_ACCESS_KEY_ID}
    secret_key: \${AWS_SECRET_ACCESS_KEY}
    bucket_name: aifb-test
    object_sizes: {4KB: 0.5, 64KB: 0.5}
    initial_objects: 10
    operation_mix: {get: 0.4, stat: 0.2, put: 0.2, list: 0.1, delete: 0.1}
    duration: 0.8
    load: {clients: 3}
  - service_name: wrong-keys
    service_type: s3
    endpoint_url: \${S3_ENDPOINT}
    access_key: NOT-A-KEY
    secret_key: \${WRONG_SECRET}
    bucket_name: aifb-test
    duration: 0.5
`,
    'run.yaml',
    {
      registry,
      env: { S3_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: S3RVER_KEYS.access_key, AWS_SECRET_ACCESS_KEY: S3RVER_KEYS.secret_key, WRONG_SECRET: secret },
    },
  );
  const store = new MetricsStore(':memory:');
  t.after(() => store.close());
  const clock = systemClock();
  const run = { benchmarkId: 'e2e', name: 'e2e', description: undefined, recipeFile: 'run.yaml', recipeText: plan.redactedText, recipeHash: '' };
  store.beginRun({ ...run, provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  const log = createLogger('error', () => {});
  const stop = new AbortController().signal;
  const result = await runBenchmark(plan, { benchmarkId: 'e2e', registry, store, clock, log, stop, maxWorkers: 2, sequential: false });
  store.flush();
  assert.deepEqual(result.services.map((s) => [s.name, s.status]), [['good', 'complete'], ['wrong-keys', 'failed']]);
  assert.match(result.services[1]!.error!, /refused the credentials \(InvalidAccessKeyId\)/);

  const rows = store.db
    .prepare(`SELECT operation, COUNT(*) AS n, SUM(success) AS ok, MIN(response_size) AS min_in, MIN(json_extract(extra, '$.ttfb_ms')) AS ttfb
              FROM metrics WHERE service_name = 'good' GROUP BY operation ORDER BY operation`)
    .all() as { operation: string; n: number; ok: number; min_in: number; ttfb: number | null }[];
  assert.deepEqual(rows.map((r) => r.operation), ['delete', 'get', 'list', 'put', 'stat']);
  const failures = store.db.prepare(`SELECT operation, error_class, error_message FROM metrics WHERE service_name = 'good' AND success = 0`).all() as { operation: string; error_class: string }[];
  // s3rver lists by readdir, then a stat per entry: a key deleted in between makes its LIST
  // answer 500 (its lib/utils.js walk), a race of that server, not of aifb. One CI run saw it
  // once in 22 lists; such a failure must still be counted, and as the server's 5xx.
  const serverRace = (f: { operation: string; error_class: string }) => f.operation === 'list' && f.error_class === 'http_5xx';
  assert.deepEqual(failures.filter((f) => !serverRace(f)), [], 'every request succeeded but a LIST racing a DELETE on s3rver');
  for (const r of rows) assert.ok(r.ok > 0 && r.ok + failures.filter((f) => f.operation === r.operation).length === r.n, `${r.operation}: succeeded or counted as failed`);
  const get = rows.find((r) => r.operation === 'get')!;
  assert.ok(get.min_in >= 4096 && get.ttfb !== null && get.ttfb > 0);
  const dump = ['services', 'metrics', 'runs'].map((table) => JSON.stringify(store.db.prepare(`SELECT * FROM ${table}`).all())).join();
  assert.ok(!dump.includes(secret), 'the secret never reaches the database');
  await assertBucketGone(inspector(t, server));
});
