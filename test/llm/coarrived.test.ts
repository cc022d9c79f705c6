// Chunks that come in one socket read share its time stamp: their token gaps are 0 ms, as
// aiperf (one perf_counter_ns per read) and vLLM's bench (a stamp per message while parsing
// one read) also record them. aifb counts such gaps per request (extra.itl_coarrived) and
// per service (llm.itl_coarrived_gaps of llm.itl_gaps), so a reader knows how many of the
// ITL distribution's zeros say "arrived together" rather than "generated in 0 ms".
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, tempDir } from '../helpers/cli.js';
import type { Report } from '../../src/report/types.js';

const sse = (text: string) => `data: ${JSON.stringify({ choices: [{ text, finish_reason: null }] })}\n\n`;

/**
 * A raw HTTP/1.1 server (node:net, so every write is one segment as written: Node's http
 * server may hold a first chunk back): four one-word chunks, the first alone, the second
 * and third in one write 150 ms later, the fourth 150 ms after that; one connection each.
 * (A client starved for longer than 150 ms would read two writes at once: that is the
 * co-arrival being counted, and this test would then see more of it.)
 */
async function burstServer(t: TestContext): Promise<string> {
  const server = createNetServer((sock) => {
    sock.setNoDelay(true);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buf.slice(0, head))?.[1] ?? 0);
      if (buf.length < head + 4 + length) return;
      const models = buf.startsWith('GET /v1/models');
      buf = '';
      if (models) return void sock.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 21\r\nconnection: close\r\n\r\n{"data":[{"id":"m"}]}');
      const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;
      sock.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n' + chunk(sse('alpha')));
      // Each wait starts after the write before it, so a late timer never brings two writes together.
      setTimeout(() => {
        sock.write(chunk(sse(' beta') + sse(' gamma')));
        setTimeout(() => {
          const usage = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 4 } })}\n\ndata: [DONE]\n\n`;
          sock.end(chunk(sse(' delta')) + chunk(usage) + '0\r\n\r\n');
        }, 150);
      }, 150);
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('SSE chunks of one socket read: their gaps are 0 ms, counted apart per request and per service, and said in the report', async (t) => {
  const url = await burstServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:\n  - service_name: llm\n    service_type: openai\n    service_url: ${url}\n    model: m\n    api: completions\n    duration: 2s\n    load: {clients: 2, requests: 8}\n`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  const rows = (db.prepare('SELECT extra FROM metrics WHERE success = 1').all() as { extra: string }[]).map((r) => JSON.parse(r.extra) as { itl: [number, number][]; itl_coarrived?: number });
  db.close();
  assert.ok(rows.length >= 4);
  // Gamma always came in beta's read; on a starved machine other chunks may have come
  // together too, and then they are counted as well: the count is the zero gaps of the list.
  let zeros = 0;
  for (const x of rows) {
    assert.equal(x.itl.length, 3, 'three gaps after the first token');
    assert.equal(x.itl[1]![0], 0, 'gamma came in beta\'s read');
    assert.equal(x.itl_coarrived, x.itl.filter(([g]) => g === 0).length, JSON.stringify(x));
    zeros += x.itl_coarrived!;
  }
  assert.ok(rows.some((x) => x.itl_coarrived === 1 && x.itl[0]![0] > 0 && x.itl[2]![0] > 0), 'the other chunks were read apart');
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  const llm = report.services.llm!.llm!;
  assert.equal(llm.itl_gaps, 3 * rows.length);
  assert.equal(llm.itl_coarrived_gaps, zeros);
  const shown = await runCli(['report', join('out', 'metrics.db')], { cwd: dir });
  const pct = ((zeros / (3 * rows.length)) * 100).toFixed(1).replace('.', '\\.');
  assert.match(shown.stdout, new RegExp(`itl: ${zeros} of ${3 * rows.length} token gaps \\(${pct} %\\) are 0 ms: their chunk came in the same read`));
});
