// aifb's `vllm` backend against llm-d-inference-sim, a vLLM-protocol simulator written by
// others (Go). The Go module proxy refuses it (403, docs/real-servers-llm.md), so setup cannot
// install it: the test runs when a binary is at $AIFB_LLMD_SIM or $AIFB_CACHE/bin/llm-d-inference-sim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, notRun } from '../helpers/live.js';
import { startLive } from '../helpers/live-server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import type { Report } from '../../src/report/types.js';

const bin = process.env.AIFB_LLMD_SIM ?? join(cacheDir, 'bin', 'llm-d-inference-sim');

test('llm-d-inference-sim (real, by others): vllm completions and chat streamed, usage, ignore_eos, vllm:* beside the client', async (t) => {
  if (!existsSync(bin)) return notRun(t, 'llm-d-inference-sim is not installed (the Go module proxy answers 403 for it; docs/real-servers-llm.md)');
  const server = await startLive(t, 'llmd', (port) => [bin, '--model', 'tiny', '--port', String(port), '--time-to-first-token', '20ms', '--inter-token-latency', '5ms', '--max-num-seqs', '4'], { http: '/health' });
  const dir = tempDir(t);
  const svc = (name: string, api: string) => `  - service_name: ${name}
    service_type: vllm
    service_url: ${server.url}
    model: tiny
    api: ${api}
    max_tokens: 16
    ignore_eos: true
    prompts: {input_tokens: 32}
    duration: 3s
    load: {rate: 8, arrival: poisson, max_in_flight: 32, warmup: 0.5s}
    server_metrics: {interval: 250ms}
`;
  writeFileSync(join(dir, 'r.yaml'), `services:\n${svc('completions', 'completions')}${svc('chat', 'chat')}`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--sequential'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr + res.stdout);
  const report = JSON.parse(readFileSync(join(dir, 'out', readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!), 'utf8')) as Report;
  for (const name of ['completions', 'chat']) {
    const s = report.services[name]!;
    assert.equal(s.requests.failed, 0, JSON.stringify(s.errors));
    assert.equal(s.llm!.output_tokens, s.llm!.requests * 16, 'ignore_eos: every answer is max_tokens long');
    assert.equal(s.llm!.tokens_estimated_requests, 0, 'usage came from the server');
    // The simulator's TTFT is its configured 20 ms; the client's can only be longer.
    assert.ok(s.llm!.ttft.p50! >= 0.02, `ttft p50 ${s.llm!.ttft.p50}`);
    const b = s.server!.beside_client;
    assert.ok(s.server!.failures === 0 && s.server!.scrapes >= 4, JSON.stringify(s.server));
    assert.ok(b.requests_server! >= s.llm!.requests && b.requests_server! <= s.llm!.requests + 4, `server ${b.requests_server}, aifb ${s.llm!.requests}`);
    assert.ok(b.ttft_mean_server! >= 0.019 && b.ttft_mean_server! <= b.ttft_mean_client!, `server ${b.ttft_mean_server}, aifb ${b.ttft_mean_client}`);
    assert.ok(s.server!.gauges.requests_running && s.server!.gauges.kv_cache_usage !== undefined);
  }
});
