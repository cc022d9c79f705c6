import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'undici';
import { LiveStats } from '../../src/engine/live.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import type { Sample } from '../../src/metrics/sample.js';
import { MetricsStore, openMetricsDb } from '../../src/metrics/store.js';
import { BenchmarkCells, STATUS_VALUES } from '../../src/monitoring/cells.js';
import { cellsFromDb } from '../../src/monitoring/from-db.js';
import { startLiveExport } from '../../src/monitoring/live-export.js';
import { MetricsObserver } from '../../src/monitoring/observer.js';
import { groupUrl } from '../../src/monitoring/pushgateway.js';
import { createBenchmarkRegistry, LABEL_NAMES } from '../../src/monitoring/registry.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { metricsPortArg, pushIntervalArg } from '../../src/monitoring/options.js';
import { createLogger } from '../../src/util/log.js';
import { freePort, tempDir } from './helpers.js';

const spec = (name: string, ops: string[]) => ({ name, mix: ops.map((operation) => ({ operation, weight: 1 })) }) as unknown as ServiceSpec;

/** Request-unique fields (client id, message, status code, extra) vary with i; label-worthy ones cycle. */
function sample(i: number): Sample {
  const llm = i % 3 === 0;
  const ok = i % 5 !== 0;
  return {
    service: llm ? 'llm' : 'api',
    clientId: i,
    operation: llm ? 'chat' : i % 2 ? 'get' : 'put',
    intendedStart: i,
    actualStart: i + 0.5,
    end: i + 2 + (i % 50),
    ok,
    status: ok ? 200 : 500 + (i % 4),
    errorClass: ok ? null : i % 2 ? 'http_5xx' : 'timeout',
    message: ok ? null : `request-${i} failed with id ${i * 7919}`,
    bytesIn: 100 + i,
    bytesOut: 10,
    extra: { requestId: `req-${i}` },
    ...(llm ? { llm: { ttftMs: 5 + (i % 9), itlMs: 1.5, tpotMs: 1.6, inputTokens: 30, outputTokens: 10 + (i % 4) } } : {}),
  };
}

function observe(n: number, benchmarkId = 'b1') {
  const cells = new BenchmarkCells(benchmarkId);
  const registry = createBenchmarkRegistry(cells, () => 0);
  const ob = new MetricsObserver(cells, () => 0);
  const specs = { api: spec('api', ['get', 'put']), llm: spec('llm', ['chat']) };
  for (const s of Object.values(specs)) ob.serviceStarted(s, new LiveStats());
  for (let i = 0; i < n; i++) {
    const s = sample(i);
    ob.sample(specs[s.service as 'api' | 'llm'], s);
  }
  return { cells, registry };
}

/** `name{labels}` → value, from the text format. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

test('registry: seed names and counts; LLM metrics only for successful LLM requests', async () => {
  const { registry } = observe(300);
  const m = parse(await registry.metrics());
  const l = (labels: string) => `{benchmark_id="b1",${labels}}`;
  const total = [...m].filter(([k]) => k.startsWith('benchmark_requests_total{')).reduce((a, [, v]) => a + v, 0);
  assert.equal(total, 300);
  assert.equal(m.get(`benchmark_requests_total${l('service="llm",operation="chat"')}`), 100);
  const llmOk = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 === 0 && i % 5 !== 0);
  assert.equal(m.get(`benchmark_requests_successful${l('service="llm",operation="chat"')}`), llmOk.length);
  assert.equal(m.get(`benchmark_llm_ttft_seconds_count${l('service="llm",operation="chat"')}`), llmOk.length);
  assert.equal(m.get(`benchmark_llm_output_tokens_total${l('service="llm",operation="chat"')}`), llmOk.reduce((a, i) => a + 10 + (i % 4), 0));
  assert.equal(m.get(`benchmark_request_duration_seconds_bucket${l('service="api",operation="get",status="ok",le="+Inf"')}`),
    m.get(`benchmark_request_duration_seconds_count${l('service="api",operation="get",status="ok"')}`));
  for (const name of ['benchmark_requests_failed', 'benchmark_request_duration_seconds_bucket', 'benchmark_requests_in_flight',
    'benchmark_dropped_starts_total', 'benchmark_response_bytes_total', 'benchmark_request_bytes_total', 'benchmark_llm_itl_seconds_bucket',
    'benchmark_llm_tpot_seconds_sum', 'benchmark_llm_input_tokens_total', 'benchmark_running']) {
    assert.ok([...m.keys()].some((k) => k.startsWith(name + '{')), `${name} missing`);
  }
  // Buckets are cumulative and end at the count.
  let prev = 0;
  for (const [k, v] of m) {
    if (!k.startsWith('benchmark_request_duration_seconds_bucket{benchmark_id="b1",service="api",operation="put",status="ok"')) continue;
    assert.ok(v >= prev);
    prev = v;
  }
});

test('labels: no label carries a per-request value; the series count does not grow with requests', async () => {
  const small = parse(await observe(150).registry.metrics());
  const big = parse(await observe(5000).registry.metrics());
  assert.deepEqual([...big.keys()].sort(), [...small.keys()].sort());
  const allowed = new Set<string>([...LABEL_NAMES, 'le']);
  const perRequest = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const s = sample(i);
    perRequest.add(String(s.clientId)).add(String(s.message)).add(String(s.status)).add(String(s.extra!.requestId));
  }
  for (const key of big.keys()) {
    for (const [, name, value] of key.matchAll(/(\w+)="([^"]*)"/g)) {
      assert.ok(allowed.has(name!), `label ${name} in ${key}`);
      if (name === 'status') assert.ok((STATUS_VALUES as readonly string[]).includes(value!), key);
      if (name !== 'le') assert.ok(!perRequest.has(value!), `per-request value ${value} in ${key}`);
    }
  }
});

test('from the database: the same metrics as counted live', async (t) => {
  const dir = tempDir(t);
  const store = new MetricsStore(join(dir, 'metrics.db'));
  store.beginRun({ benchmarkId: 'b1', name: 'x', description: undefined, recipeFile: 'x', recipeText: '', recipeHash: '', provenance: collectProvenance() }, 0, (m) => 1.7e12 + m);
  for (let i = 0; i < 1000; i++) store.append(sample(i));
  store.saveService({ serviceName: 'api', serviceType: 'http', backend: undefined, status: 'complete', load: {}, windowStart: 0, windowEnd: 2000, dropped: 3 });
  store.close();
  const db = openMetricsDb(join(dir, 'metrics.db'));
  const fromDb = parse(await createBenchmarkRegistry(cellsFromDb(db, 'b1'), () => 0).metrics());
  db.close();
  const live = parse(await observe(1000).registry.metrics());
  const skip = /^benchmark_(running|requests_in_flight|dropped_starts_total|achieved_requests_per_second)/;
  for (const [k, v] of live) {
    if (skip.test(k)) continue;
    assert.ok(fromDb.has(k), `missing ${k}`);
    assert.ok(Math.abs(fromDb.get(k)! - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${k}: ${fromDb.get(k)} vs ${v}`);
  }
  assert.equal(fromDb.get('benchmark_dropped_starts_total{benchmark_id="b1",service="api"}'), 3);
  const apiRows = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 3 !== 0).length;
  assert.equal(fromDb.get('benchmark_achieved_requests_per_second{benchmark_id="b1",service="api"}'), apiRows / 2);
  assert.equal(fromDb.get('benchmark_running{benchmark_id="b1"}'), 0);
});

test('push failures are logged once and never stop the run; the endpoint serves /metrics only', async () => {
  const lines: string[] = [];
  const closedPort = await freePort();
  const exporter = await startLiveExport({
    benchmarkId: 'b1',
    pushgatewayUrl: `http://127.0.0.1:${closedPort}`,
    pushIntervalMs: 100,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    log: createLogger('info', (l) => lines.push(l)),
  });
  exporter.observer.serviceStarted!(spec('api', ['get']), new LiveStats());
  for (let i = 0; i < 600; i++) exporter.observer.sample!(spec('api', ['get']), { ...sample(1), service: 'api' });
  await new Promise((r) => setTimeout(r, 600));
  const res = await request(exporter.url!);
  assert.equal(res.statusCode, 200);
  assert.match(await res.body.text(), /benchmark_requests_total\{benchmark_id="b1",service="api",operation="get"\} 600/);
  const missing = await request(exporter.url!.replace('/metrics', '/nope'));
  assert.equal(missing.statusCode, 404);
  await missing.body.dump();
  await exporter.finish();
  await exporter.finish();
  const failures = lines.filter((l) => l.includes('failed'));
  assert.equal(failures.length, 1, lines.join('\n'));
  assert.match(failures[0]!, /^\[warn\] monitoring: pushgateway push failed \(the run goes on/);
  // The endpoint is closed with the run.
  await assert.rejects(request(exporter.url!, { reset: true }));
});

test('group URLs: job and benchmark_id, base64 for values with a slash, base paths kept', () => {
  assert.equal(groupUrl('http://node:9091', 'aifb', { benchmark_id: 'benchmark_1_ab' }), 'http://node:9091/metrics/job/aifb/benchmark_id/benchmark_1_ab');
  assert.equal(groupUrl('http://h/pgw/', 'aifb', { benchmark_id: 'a/b' }), `http://h/pgw/metrics/job/aifb/benchmark_id@base64/${Buffer.from('a/b').toString('base64url')}`);
  assert.throws(() => groupUrl('node:9091', 'aifb', {}), /must be http/);
  assert.throws(() => groupUrl('not a url', 'aifb', {}), /not a URL/);
});

test('run flags: --metrics-port 0..65535, --push-interval in seconds', () => {
  assert.equal(metricsPortArg(undefined), undefined);
  assert.equal(metricsPortArg('0'), 0);
  assert.equal(metricsPortArg('9464'), 9464);
  assert.throws(() => metricsPortArg('70000'), /--metrics-port expects/);
  assert.equal(pushIntervalArg(undefined), 5000);
  assert.equal(pushIntervalArg('0.5'), 500);
  assert.throws(() => pushIntervalArg('0'), /--push-interval expects/);
});
