import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import type { Report } from '../../src/report/types.js';

function report(dir: string): Report {
  const f = readdirSync(join(dir, 'out')).find((x) => x.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(dir, 'out', f), 'utf8')) as Report;
}

test('a server that stalls 500 ms every 2 s: the stall shows in open-loop latency percentiles', async (t) => {
  const sim = await startLlmSimulator({ decode_ms: 2, prefill_ms_per_token: 0, jitter: 0, ignore_eos: true, stall_ms: 500, stall_every_ms: 2000 });
  t.after(() => sim.close());
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: llm
    service_type: vllm
    service_url: ${sim.url}
    model: sim-llm
    max_tokens: 4
    duration: 6s
    load: {rate: 50, arrival: constant, max_in_flight: 256}
`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const s = report(dir).services.llm!;
  assert.equal(s.requests.failed, 0);
  // A quarter of the time is stalled: requests arriving then wait up to 500 ms.
  assert.ok(s.percentiles.p99! >= 0.3, `p99 ${s.percentiles.p99}`);
  assert.ok(s.percentiles.p90! >= 0.1, `p90 ${s.percentiles.p90} (about a quarter of requests waited)`);
  assert.ok(s.percentiles.p50! < 0.1, `p50 ${s.percentiles.p50}`);
});

test('a server that trickles its answer a byte at a time: requests end at the timeout, classified, and the run goes on', async (t) => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const tick = setInterval(() => {
      if (res.destroyed || n++ >= 40) {
        clearInterval(tick);
        res.end();
        return;
      }
      res.write('x');
    }, 50);
    res.on('close', () => clearInterval(tick));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:
  - service_name: slow
    service_type: http
    url: http://127.0.0.1:${(server.address() as AddressInfo).port}/
    timeout: 300ms
    duration: 2s
    load: {rate: 10, arrival: constant}
`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const s = report(dir).services.slow!;
  assert.equal(s.requests.total, 20);
  assert.deepEqual(s.errors, { timeout: 20 });
  assert.ok(s.latency.failed.min! >= 0.3 && s.latency.failed.max! < 0.45, JSON.stringify(s.latency.failed));
});
