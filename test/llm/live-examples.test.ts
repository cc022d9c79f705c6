// The example recipes for real LLM servers run as a user runs them after scripts/setup.sh:
// `aifb run examples/<server>.yaml` starts the server with the local launcher, benchmarks
// it and stops it. Shortened to a few seconds and moved to free ports; nothing else changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveTool, notRun } from '../helpers/live.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../launch/helpers.js';
import type { Report } from '../../src/report/types.js';

async function runExample(t: Parameters<typeof tempDir>[0], file: string, edits: Record<string, string>): Promise<Report> {
  const dir = tempDir(t);
  let text = readFileSync(join(repoRoot, 'examples', file), 'utf8').replace(/duration: 30s/g, 'duration: 3s').replace(/warmup: 3s/g, 'warmup: 1s');
  for (const [from, to] of Object.entries(edits)) text = text.replaceAll(from, to);
  text = text.replaceAll(' test/fixtures/', ` ${join(repoRoot, 'test', 'fixtures')}/`);
  const recipe = join(dir, file);
  writeFileSync(recipe, text);
  const r = await runCli(['run', recipe], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const reports = join(dir, 'reports');
  const f = readdirSync(reports).find((x) => x.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(reports, f), 'utf8')) as Report;
}

function summaryOf(report: Report): { requests: number; errors: number } {
  return { requests: report.summary.total_requests, errors: report.summary.failed_requests };
}

test('examples/llama-cpp.yaml runs against the llama-server it starts', async (t) => {
  if (!liveTool('llama-server')) return notRun(t, 'llama-server is not installed (scripts/servers/llama-cpp.sh)');
  const report = await runExample(t, 'llama-cpp.yaml', { 'port: 8080': `port: ${await freePort()}` });
  const { requests, errors } = summaryOf(report);
  assert.ok(requests > 0 && errors === 0, `requests ${requests}, errors ${errors}`);
  // The server's own /metrics (--metrics) beside aifb's figures: its token counts are the
  // window's, give or take a warm-up request in flight as the window began.
  const s = report.services['llama-server']!;
  const b = s.server!.beside_client;
  assert.ok(s.server!.scrapes >= 2 && s.server!.failures === 0, JSON.stringify(s.server));
  assert.ok(b.generation_tokens_server! >= s.llm!.output_tokens && b.generation_tokens_server! <= s.llm!.output_tokens + 8 * 64, `server ${b.generation_tokens_server}, aifb ${s.llm!.output_tokens}`);
  assert.ok(b.prompt_tokens_server! > 0 && b.prefill_mean! > 0 && b.batch_size_mean! > 0);
  assert.ok(s.server!.gauges.requests_running !== undefined);
});

test('examples/pytriton.yaml runs against the Triton it starts', async (t) => {
  if (!liveTool('pytriton-python')) return notRun(t, 'pytriton-python is not installed (scripts/servers/pytriton.sh)');
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
  const report = await runExample(t, 'pytriton.yaml', { 'port: 8000': `port: ${http}`, '--grpc-port 8001': `--grpc-port ${grpc}`, '--metrics-port 8002': `--metrics-port ${metrics}`, ':8002/metrics': `:${metrics}/metrics` });
  const { requests, errors } = summaryOf(report);
  assert.ok(requests > 0 && errors === 0, `requests ${requests}, errors ${errors}`);
  // Triton's nv_inference_* for the model: its request count is the client's within the 4
  // clients' last requests (Triton counts a request when it releases it, after its last
  // response, so the scrape right after the drain can miss those), compute time non-zero.
  const srv = report.services['triton-llm']!.server!;
  assert.ok(srv.scrapes >= 2 && srv.failures === 0, JSON.stringify(srv));
  const n = report.services['triton-llm']!.requests.successful;
  assert.ok(Math.abs(srv.beside_client.requests_server! - n) <= 4, `server ${srv.beside_client.requests_server}, aifb ${n}`);
  assert.ok(srv.beside_client.compute_mean! > 0 && srv.beside_client.queue_mean! >= 0);
});

test('examples/ollama-tiny.yaml runs against the Ollama it starts, with the model it creates', async (t) => {
  if (!liveTool('ollama') || !liveTool('ollama-tiny.Modelfile')) return notRun(t, 'ollama is not installed (scripts/servers/ollama.sh)');
  const { requests, errors } = summaryOf(await runExample(t, 'ollama-tiny.yaml', { 'port: 11434': `port: ${await freePort()}` }));
  assert.ok(requests > 0 && errors === 0, `requests ${requests}, errors ${errors}`);
});
