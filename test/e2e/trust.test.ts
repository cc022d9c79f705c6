import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import type { DistSummary } from '../../src/metrics/distribution.js';
import type { Report } from '../../src/report/types.js';

const reportOf = (dir: string, out = 'out'): Report => {
  const file = readdirSync(join(dir, out)).find((f) => f.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(dir, out, file), 'utf8')) as Report;
};

/** A loopback server that answers one request at a time, `ms` each: its capacity is 1000/ms req/s. */
async function serialServer(t: { after(fn: () => Promise<void>): void }, ms: number): Promise<string> {
  let busyUntil = 0;
  const server = createServer((req, res) => {
    req.resume();
    const now = Date.now();
    busyUntil = Math.max(busyUntil, now) + ms;
    setTimeout(() => res.end('ok'), busyUntil - now);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('an http service where nothing listens, or whose host does not resolve, is bad input: exit 2 naming its recipe line, no threshold passes', async (t) => {
  const dir = tempDir(t);
  for (const [file, url, why] of [
    ['port.yaml', 'http://127.0.0.1:9/', /nothing listens there, ECONNREFUSED/],
    ['host.yaml', 'http://no-such-host.invalid:8080/', /does not resolve/],
  ] as const) {
    writeFileSync(join(dir, file), `services:\n  - service_name: web\n    service_type: http\n    url: ${url}\n    duration: 1s\n    load: {rate: 50}\n    thresholds: {p99_latency_ms: "<500"}\n`);
    const res = await runCli(['run', file, '--out', `out-${file}`, '--quiet'], { cwd: dir });
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.match(res.stderr, new RegExp(`${file}:2:5: http: .* is not reachable`));
    assert.match(res.stderr, why);
    assert.match(res.stdout, /Thresholds: 1 of 1 FAILED/);
    assert.match(res.stdout, /^FAIL — web failed: /m);
    assert.equal(reportOf(dir, `out-${file}`).thresholds.passed, 0);
  }
});

test('a run whose every request failed passes no latency or rate threshold: "no successful request", exit 99', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:\n  - service_name: web\n    service_type: http\n    url: ${server.url}/fail\n    duration: 1s\n    load: {rate: 50}\n    thresholds: {p99_latency_ms: "<500", successful_rps: ">=0"}\n`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 99, res.stderr);
  const th = reportOf(dir).thresholds;
  assert.equal(th.passed, 0);
  assert.deepEqual(th.results.map((r) => [r.metric, r.pass, r.note]), [['p99_latency_ms', false, 'no successful request'], ['successful_rps', false, 'no successful request']]);
  assert.match(res.stdout, /^FAIL — 0\.0 req\/s achieved, 100\.0% errors, 2 of 2 threshold\(s\) failed: p99: no successful request/m);
});

test('thresholds of a sweep are judged on each step, a search\'s at the rate it found; the report lists steps by rate', async (t) => {
  const url = await serialServer(t, 10); // 100 req/s at most
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: api
    service_type: http
    url: ${url}/
    load: {rate: 10, sweep: {rates: [20, 300], step_duration: 1s}}
    thresholds: {p99_latency_ms: "<400"}
  - service_name: cap
    service_type: http
    url: ${url}/
    slo: {e2el_ms: 100}
    load: {search: {min_rate: 20, max_rate: 400, steps: 2, step_duration: 1s}}
    thresholds: {error_rate: "<1%"}
`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--sequential'], { cwd: dir });
  assert.equal(res.code, 99, res.stderr);
  const r = reportOf(dir);
  const byService = Object.fromEntries(r.thresholds.results.map((x) => [x.service, x]));
  assert.equal(byService['api@rate=20']?.pass, true, JSON.stringify(r.thresholds));
  assert.equal(byService['api@rate=300']?.pass, false, 'the overloaded step fails, and says which it is');
  assert.ok(!r.thresholds.results.some((x) => x.note === 'no data'), JSON.stringify(r.thresholds));
  const search = r.sweeps.cap!;
  assert.ok(search.best_rate !== null && search.best_rate < 400, JSON.stringify(search));
  assert.deepEqual(Object.keys(byService).filter((n) => n.startsWith('cap@')), [`cap@rate=${search.best_rate}`]);
  assert.match(res.stdout, new RegExp(`^FAIL — api: up to [\\d.]+ req/s done over 2 steps, cap: max rate meeting the SLOs: ${search.best_rate!.toFixed(1)} req/s, 1 of 3 threshold\\(s\\) failed: api@rate=300 p99`, 'm'));
  // Steps of the search are listed by rate, not in bisection order.
  const rows = res.stdout.split('\n').filter((l) => l.startsWith('cap@rate=')).map((l) => Number(/^cap@rate=([\d.]+)/.exec(l)![1]));
  assert.deepEqual(rows, [...rows].sort((a, b) => a - b));
  // The goodput chart plots what was done beside what was started, on one knee.
  const goodput = search.points.find((p) => p.id === 'sweep-goodput')!;
  assert.deepEqual(goodput.series.map((s) => s.name), ['started', 'throughput (successful)', 'goodput (met the SLOs)']);
  const top = goodput.series[1]!.points.at(-1)!;
  assert.ok(top[1] < 150, `throughput at ${top[0]} req/s offered is what the server did (${top[1]}), not the offered rate`);
});

test('no percentile is above the max or below the min, in the JSON and the terminal', async (t) => {
  const server = await countingServer(t, 1);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:\n  - service_name: web\n    service_type: http\n    url: ${server.url}/\n    duration: 1s\n    load: {rate: 100}\n`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const r = reportOf(dir);
  const check = (where: string, d: DistSummary) => {
    if (!d.count) return;
    for (const k of ['p50', 'p90', 'p95', 'p99', 'p99_9'] as const) {
      assert.ok(d[k]! <= d.max! && d[k]! >= d.min!, `${where} ${k} ${d[k]} outside [${d.min}, ${d.max}]`);
    }
  };
  const s = r.services.web!;
  for (const [k, d] of Object.entries({ all: s.latency.all, ok: s.latency.successful, service_time: s.service_time, schedule_lag: s.schedule_lag })) check(k, d);
  assert.equal(s.percentiles.p99_9, s.timing.max_duration, 'p99.9 of 100 requests is the max');
  // The time series' percentiles (log-binned) are clamped too: none above the run's max
  // (the series rounds to 6 significant digits, so compare at that precision).
  const six = (v: number) => Number(v.toPrecision(6));
  for (const v of [...s.timeseries.p50, ...s.timeseries.p99]) {
    assert.ok(v === null || (v <= six(s.timing.max_duration!) && v >= six(s.timing.min_duration!)), `bucket percentile ${v} outside [${s.timing.min_duration}, ${s.timing.max_duration}]`);
  }
  const row = res.stdout.split('\n').find((l) => l.startsWith('web '))!.trim().split(/\s+/);
  const msOf = (text: string) => Number.parseFloat(text) * (text.endsWith('µs') ? 0.001 : text.endsWith('ms') ? 1 : 1000);
  assert.ok(msOf(row[6]!) <= msOf(row[7]!), `terminal p99 ${row[6]} > max ${row[7]}`);
});

test('validate checks every recipe named (exit 2 if one is bad), warns of unset variables, lists steps and estimates the length', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'good.yaml'),
    `services:
  - service_name: db
    service_type: postgresql
    host: localhost
    password: \${PGPASSWORD}
    duration: 10s
  - service_name: api
    service_type: http
    url: http://127.0.0.1:8080/
    load: {rate: 5, warmup: 1s, sweep: {rates: [10, 20, 40], step_duration: 5s}}
`,
  );
  writeFileSync(join(dir, 'bad.yaml'), 'services:\n  - service_name: x\n    service_type: htp\n');
  // Unset in the child even if this shell has it (spawn drops undefined values).
  const env: NodeJS.ProcessEnv = { PGPASSWORD: undefined };
  const both = await runCli(['validate', 'good.yaml', 'bad.yaml'], { cwd: dir, env });
  assert.equal(both.code, 2, both.stdout + both.stderr);
  assert.match(both.stdout, /good\.yaml: valid, 2 service\(s\)/);
  assert.match(both.stderr, /bad\.yaml:3:19: services\[0\]\.service_type: "htp" is not one of/);
  assert.match(both.stdout, /1 of 2 recipes valid/);
  assert.match(both.stderr, /warning: good\.yaml:5:15: services\[0\]\.password: environment variable PGPASSWORD is not set/);
  assert.match(both.stdout, /sweep of 3 step\(s\), 5s each after a 1s warm-up: api@rate=10 \(10 req\/s\), api@rate=20 \(20 req\/s\), api@rate=40 \(40 req\/s\)/);
  assert.match(both.stdout, /estimated load time: 18s \(services at once; --sequential: 28s\)/);
  const one = await runCli(['validate', 'good.yaml'], { cwd: dir, env });
  assert.equal(one.code, 0, one.stderr);
  // aifb run still needs the value.
  const run = await runCli(['run', 'good.yaml', '--out', 'o'], { cwd: dir, env });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /PGPASSWORD is not set/);
});

test('an LLM run whose every request is refused (401) passes no token-timing threshold, and closed loops raise no Node warning', async (t) => {
  // /v1/models is open (setup's check passes), every completion is refused: a key the
  // models list does not need but generation does.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/v1/models')) return res.end(JSON.stringify({ data: [{ id: 'm' }] }));
      res.statusCode = 401;
      res.end(JSON.stringify({ error: { message: 'invalid api key' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: llm
    service_type: vllm
    service_url: ${url}
    model: m
    api: completions
    duration: 1s
    load: {mode: closed, clients: 16, think_time: 20ms}
    thresholds: {ttft_p99_ms: "<500", output_tokens_per_second: ">1"}
`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 99, res.stderr);
  const r = reportOf(dir);
  assert.ok(r.services.llm!.errors.auth! > 0 && r.services.llm!.requests.successful === 0, JSON.stringify(r.services.llm!.errors));
  assert.deepEqual(r.thresholds.results.map((x) => [x.pass, x.note]), [[false, 'no successful request'], [false, 'no successful request']]);
  assert.doesNotMatch(res.stderr, /MaxListenersExceededWarning|Warning:/, '16 closed-loop clients on one stop signal are not a leak');
});

test('PostgreSQL and S3 endpoints where nothing listens are bad input too (exit 2, each naming its recipe line)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: db
    service_type: postgresql
    host: 127.0.0.1
    port: 9
    user: bench
    password: \${PGPASSWORD:-x}
    duration: 1s
  - service_name: objects
    service_type: s3
    endpoint_url: http://127.0.0.1:9
    access_key: \${AWS_ACCESS_KEY_ID:-k}
    secret_key: \${AWS_SECRET_ACCESS_KEY:-s}
    bucket_name: nowhere
    duration: 1s
`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 2, res.stdout + res.stderr);
  assert.match(res.stderr, /r\.yaml:2:5: cannot connect to PostgreSQL at 127\.0\.0\.1:9: connection refused/);
  assert.match(res.stderr, /r\.yaml:9:5: .*127\.0\.0\.1:9/);
});
