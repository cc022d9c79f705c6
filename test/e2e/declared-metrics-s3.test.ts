import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { openMetricsDb } from '../../src/metrics/store.js';
import { cellsFromDb } from '../../src/monitoring/from-db.js';
import { createBenchmarkRegistry } from '../../src/monitoring/registry.js';
import type { Comparison } from '../../src/report/compare.js';
import type { Report } from '../../src/report/types.js';
import { runCli, startCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { S3RVER_KEYS, startS3Server } from '../helpers/s3-server.js';

// S3's TTFB is a metric the S3 backend declares (definition.ts), not one the core knows:
// through the CLI against s3rver it is judged by thresholds, compared and exported by name.

const recipe = (thresholds: string) => `services:
  - service_name: store
    service_type: s3
    endpoint_url: \${S3_ENDPOINT}
    access_key: \${AWS_ACCESS_KEY_ID}
    secret_key: \${AWS_SECRET_ACCESS_KEY}
    bucket_name: aifb-declared
    object_sizes: {4KB: 1}
    initial_objects: 10
    operation_mix: {get: 0.8, put: 0.2}
    duration: 2s
    load: {clients: 2}
    thresholds: {${thresholds}}
`;

test('S3 TTFB through the CLI: thresholds judge it, compare shows it, Prometheus exports it live and from the database', async (t) => {
  const server = await startS3Server(t);
  const dir = tempDir(t);
  const env = { S3_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: S3RVER_KEYS.access_key, AWS_SECRET_ACCESS_KEY: S3RVER_KEYS.secret_key };
  writeFileSync(join(dir, 'gate.yaml'), recipe('ttfb_p99_ms: "<10s", ttfb_p50_ms: "<1us", error_rate: "<1%"'));
  writeFileSync(join(dir, 'plain.yaml'), recipe('p95_ttfb_ms: "<10s"'));
  writeFileSync(join(dir, 'typo.yaml'), recipe('recall_mean: ">0.9"'));

  const typo = await runCli(['validate', 'typo.yaml'], { cwd: dir, env });
  assert.equal(typo.code, 2, typo.stderr);
  assert.match(typo.stderr + typo.stdout, /typo\.yaml:13:\d+: services\[0\]\.thresholds\.recall_mean: unknown key "recall_mean" — .*s3\S* declares ttfb_ms \(trend: ttfb_<stat>_ms\)/);

  // The live endpoint, scraped while the run goes on (it stays up a few seconds after).
  const port = await freePort();
  const live = startCli(['run', 'gate.yaml', '--out', 'out', '--quiet', '--id', 'gate', '--metrics-port', String(port)], { cwd: dir, env });
  let scraped = '';
  for (let i = 0; i < 200 && !/benchmark_ttfb_seconds_count\{[^}]*operation="get"\} [1-9]/.test(scraped); i++) {
    await new Promise((r) => setTimeout(r, 100));
    scraped = await request(`http://127.0.0.1:${port}/metrics`).then((r) => r.body.text(), () => '');
  }
  const gate = await live.done;
  assert.match(scraped, /# TYPE benchmark_ttfb_seconds histogram/);
  assert.match(scraped, /benchmark_ttfb_seconds_bucket\{benchmark_id="gate",service="store",operation="get",le="0\.05"\} \d+/);
  assert.equal(gate.code, 99, `the impossible TTFB median fails the run: ${gate.stderr}`);
  assert.match(gate.stdout, /pass\s+store\s+ttfb_p99_ms\s+<10s\s+\d/);
  assert.match(gate.stdout, /FAIL\s+store\s+ttfb_p50_ms\s+<1us\s+\d/);
  assert.match(gate.stdout, /threshold\(s\) failed: ttfb p50 \S+ \(needs < 1us\)/);
  const report = JSON.parse(readFileSync(join(dir, 'out', readdirSync(join(dir, 'out')).find((f) => f.startsWith('gate') && f.endsWith('_report.json'))!), 'utf8')) as Report;
  const ttfb = report.thresholds.results.find((r) => r.metric === 'ttfb_p99_ms')!;
  assert.ok(ttfb.actual! > 0 && ttfb.actual! < 10_000 && ttfb.unit === 'ms', JSON.stringify(ttfb));
  assert.equal(ttfb.actual, Number((report.services.store!.ttfb!.p99! * 1000).toPrecision(6)), 'judged on the report’s figure');

  const plain = await runCli(['run', 'plain.yaml', '--out', 'out', '--quiet', '--id', 'plain'], { cwd: dir, env });
  assert.equal(plain.code, 0, plain.stderr);
  // `aifb report` judges the stored recipe's declared thresholds as the run did.
  const again = await runCli(['report', 'out/metrics.db', '--id', 'gate'], { cwd: dir });
  assert.match(again.stdout, /FAIL\s+store\s+ttfb_p50_ms/);

  const cmp = await runCli(['compare', 'out/metrics.db', '--json'], { cwd: dir });
  assert.equal(cmp.code, 0, cmp.stderr);
  const c = JSON.parse(cmp.stdout) as Comparison;
  const service = c.results.find((r) => r.operation === null)!;
  const declared = service.metrics.filter((m) => m.declared);
  assert.deepEqual(declared.map((m) => m.metric), ['ttfb_p50_ms', 'ttfb_p99_ms', 'ttfb_mean_ms']);
  for (const m of declared) {
    assert.ok(m.baseline! > 0 && m.value! > 0, JSON.stringify(m));
    assert.ok(m.buckets[0] >= 8 && m.p_value !== null, `tested on per-bucket values: ${JSON.stringify(m)}`);
  }
  const text = await runCli(['compare', 'out/metrics.db'], { cwd: dir });
  assert.match(text.stdout, /store\s+ttfb_p99_ms\s+\S+\s+\S+\s+[+−]\d/);

  const db = openMetricsDb(join(dir, 'out', 'metrics.db'));
  t.after(() => db.close());
  const exported = await createBenchmarkRegistry(cellsFromDb(db, 'plain'), () => 0).metrics();
  const count = Number(/benchmark_ttfb_seconds_count\{benchmark_id="plain",service="store",operation="get"\} (\d+)/.exec(exported)?.[1]);
  const plainReport = JSON.parse((await runCli(['report', 'out/metrics.db', '--id', 'plain', '--json'], { cwd: dir })).stdout) as Report;
  assert.ok(count > 0 && count === plainReport.services.store!.ttfb!.count, `exported ${count} TTFBs, the report ${plainReport.services.store!.ttfb?.count}`);
});
