// Server-side truth (docs/metrics.md, "Server side"): the backends' readers of their
// servers' Prometheus text, the report's arithmetic on stored scrapes, and `aifb run`
// against the simulator's vllm:* metrics end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePromText, promSum } from '../../src/services/shared/prom-text.js';
import { openaiServerReader } from '../../src/services/llm/openai/server-metrics.js';
import { tritonServerReader } from '../../src/services/llm/triton/server-metrics.js';
import { serverSideReport } from '../../src/report/server-side.js';
import type { ServerMetricsRows } from '../../src/metrics/server-metrics.js';
import type { Report, ServiceReport } from '../../src/report/types.js';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { runCli, tempDir } from '../helpers/cli.js';

// As llama-server 0c1e570 (--metrics) serves it.
const LLAMA = `# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total 16
llamacpp:prompt_tokens_cached_total 4
llamacpp:prompt_seconds_total 0.000813
llamacpp:tokens_predicted_total 20
llamacpp:tokens_predicted_seconds_total 0.002075
llamacpp:n_decode_total 20
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 2
llamacpp:requests_deferred 1
llamacpp:n_busy_slots_per_decode 1.5
`;

test('prom-text: labels, escapes, comments and +Inf are read; a metric absent stays undefined', () => {
  const s = parsePromText('# c\na{x="1",y="q\\"t"} 2\na{x="2"} 3 1700000000\nb +Inf\nbroken line\n');
  assert.deepEqual(s[0], { name: 'a', labels: { x: '1', y: 'q"t' }, value: 2 });
  assert.equal(promSum(s, 'a'), 5);
  assert.equal(promSum(s, 'a', { x: '2' }), 3);
  assert.equal(promSum(s, 'b'), Infinity);
  assert.equal(promSum(s, 'c'), undefined);
});

test("openai reader: llama.cpp's names map to aifb's", () => {
  const r = openaiServerReader('tiny')(LLAMA);
  assert.deepEqual(r.gauges, { requests_running: 2, requests_waiting: 1, batch_size: 1.5 });
  assert.equal(r.counters.prompt_tokens_total, 16);
  assert.equal(r.counters.prompt_tokens_cached_total, 4);
  assert.equal(r.counters.generation_tokens_total, 20);
  assert.equal(r.counters.prefill_seconds_total, 0.000813);
  assert.equal(r.counters.requests_total, undefined, 'llama.cpp keeps no request count');
});

test("openai reader: vLLM's series of the recipe's model only, v1 names before the older ones", () => {
  const text = [
    'vllm:num_requests_running{model_name="m"} 3', 'vllm:num_requests_running{model_name="other"} 9',
    'vllm:kv_cache_usage_perc{model_name="m"} 0.25', 'vllm:gpu_cache_usage_perc{model_name="m"} 0.9',
    'vllm:request_queue_time_seconds_sum{model_name="m"} 1.5', 'vllm:request_queue_time_seconds_count{model_name="m"} 3',
    'vllm:request_success_total{finished_reason="length",model_name="m"} 2', 'vllm:request_success_total{finished_reason="stop",model_name="m"} 1',
  ].join('\n');
  const r = openaiServerReader('m')(text);
  assert.equal(r.gauges.requests_running, 3);
  assert.equal(r.gauges.kv_cache_usage, 0.25);
  assert.equal(r.counters.queue_seconds_total, 1.5);
  assert.equal(r.counters.requests_total, 3);
});

test("triton reader: the model's nv_inference_* in seconds", () => {
  const text = [
    'nv_inference_request_success{model="llm",version="1"} 10', 'nv_inference_request_success{model="resnet50",version="1"} 99',
    'nv_inference_queue_duration_us{model="llm",version="1"} 2000', 'nv_inference_compute_infer_duration_us{model="llm",version="1"} 50000',
    'nv_inference_count{model="llm",version="1"} 20', 'nv_inference_exec_count{model="llm",version="1"} 5',
    'nv_inference_pending_request_count{model="llm",version="1"} 4',
  ].join('\n');
  const r = tritonServerReader('llm')(text);
  assert.equal(r.counters.requests_total, 10);
  assert.ok(Math.abs(r.counters.queue_seconds_total! - 0.002) < 1e-12);
  assert.ok(Math.abs(r.counters.compute_seconds_total! - 0.05) < 1e-12);
  assert.equal(r.gauges.requests_waiting, 4);
});

const service = (requests: number, ttftMean: number) => ({ requests: { successful: requests }, llm: { requests, ttft: { mean: ttftMean }, input_tokens: 100, output_tokens: 50 } }) as unknown as ServiceReport;

test('server-side report: counters from the last baseline, a reset counted from zero, gauges over the window only', () => {
  const p = (t: number, name: string, kind: 'counter' | 'gauge', value: number, before = 0) => ({ t, name, kind, value, before_window: before });
  const rows: ServerMetricsRows = {
    url: 'http://x/metrics', interval_ms: 1000, scrapes: 5, failures: 1, last_error: 'HTTP 500',
    points: [
      p(0, 'requests_total', 'counter', 5, 1), p(0, 'requests_running', 'gauge', 9, 1), // warm-up
      p(1, 'requests_total', 'counter', 8, 1), p(1, 'queue_seconds_total', 'counter', 1, 1), p(1, 'requests_running', 'gauge', 7, 1), // as warm-up ended
      p(2, 'requests_total', 'counter', 12), p(2, 'queue_seconds_total', 'counter', 1.2), p(2, 'requests_running', 'gauge', 2),
      p(3, 'requests_total', 'counter', 2), p(3, 'queue_seconds_total', 'counter', 0.1), p(3, 'requests_running', 'gauge', 4), // restarted
    ],
  };
  const r = serverSideReport(rows, service(6, 0.02), 1);
  assert.equal(r.counters.requests_total!.increase, 6); // 8 → 12, then 0 → 2
  assert.equal(r.counters.requests_total!.per_second, 3);
  assert.ok(Math.abs(r.beside_client.queue_mean! - 0.3 / 6) < 1e-9);
  assert.deepEqual(r.gauges.requests_running, { mean: 3, max: 4, last: 4 });
  assert.deepEqual(r.timeseries.t, [-1, 0, 1, 2]);
  assert.deepEqual(r.timeseries.series.requests_running, [9, 7, 2, 4]);
  assert.equal(r.beside_client.ttft_mean_client, 0.02);
});

async function runAgainst(t: Parameters<typeof tempDir>[0], sim: { url: string }, extra: string): Promise<{ report: Report; html: string; stdout: string }> {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: chat
    service_type: vllm
    service_url: ${sim.url}
    model: sim-llm
    api: chat
    max_tokens: 16
    duration: 2s
    load: {rate: 20, max_in_flight: 64, warmup: 0.5s}
${extra}`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const files = readdirSync(join(dir, 'out'));
  const report = JSON.parse(readFileSync(join(dir, 'out', files.find((f) => f.endsWith('_report.json'))!), 'utf8')) as Report;
  const html = readFileSync(join(dir, 'out', files.find((f) => f.endsWith('_report.html'))!), 'utf8');
  return { report, html, stdout: res.stdout };
}

test("aifb run scrapes the simulator's vllm:* metrics and puts them beside the client's figures", async (t) => {
  const sim = await startLlmSimulator({ decode_ms: 4, prefill_ms_per_token: 0.01, jitter: 0, ignore_eos: true, seed: 5 });
  t.after(() => sim.close());
  const { report, html, stdout } = await runAgainst(t, sim, '    server_metrics: {interval: 250ms}\n');
  const s = report.services.chat!;
  const srv = s.server!;
  assert.ok(srv.scrapes >= 8, `scrapes ${srv.scrapes}`);
  assert.equal(srv.failures, 0);
  // Every request of the window, and none of the warm-up's, except one still in flight as it ended.
  const n = s.llm!.requests;
  assert.ok(srv.beside_client.requests_server! >= n && srv.beside_client.requests_server! <= n + 1, `server ${srv.beside_client.requests_server}, client ${n}`);
  assert.ok(srv.beside_client.generation_tokens_server! >= s.llm!.output_tokens && srv.beside_client.generation_tokens_server! <= s.llm!.output_tokens + 16);
  // The server's TTFT starts when it has read the request: never above the client's.
  assert.ok(srv.beside_client.ttft_mean_server! > 0 && srv.beside_client.ttft_mean_server! <= srv.beside_client.ttft_mean_client!);
  assert.ok(srv.gauges.requests_running && srv.gauges.requests_running.max >= 1);
  assert.ok(html.includes('Server side (its own metrics)') && html.includes('requests running'));
  assert.ok(stdout.includes('Server side (its own metrics):'));
});

test('a server without metrics: the run goes on, the report says why there are none; server_metrics: false asks nothing', async (t) => {
  const sim = await startLlmSimulator({ decode_ms: 1, jitter: 0, ignore_eos: true, seed: 5 });
  t.after(() => sim.close());
  const { report } = await runAgainst(t, sim, `    server_metrics: {url: ${sim.url}/nowhere}\n`);
  const srv = report.services.chat!.server!;
  assert.equal(report.services.chat!.requests.failed, 0);
  assert.equal(srv.scrapes, 0);
  assert.ok(srv.failures >= 1 && srv.failures <= 4, `failures ${srv.failures}`);
  assert.match(srv.error!, /^HTTP 404/);
  const off = await runAgainst(t, sim, '    server_metrics: false\n');
  assert.equal(off.report.services.chat!.server, undefined);
});
