import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { writeNow, startStream } from '../../src/sim/llm/http.js';
import { tokenErrors, type MeasuredRow, type TruthTimes } from '../../src/sim/llm/compare.js';

test('writeNow hands a streamed chunk to the kernel before it returns; a plain write stays corked in Node until the next tick', async (t) => {
  const seen: { plain: number; now: number; span: { from: number; to: number } }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    startStream(res, 'text/event-stream');
    setTimeout(() => {
      res.write('data: a\n\n');
      const plain = res.socket!.writableLength;
      const span = writeNow(res, 'data: b\n\n');
      seen.push({ plain, now: res.socket!.writableLength, span });
      res.end();
    }, 10);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const body = await new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => (text += d));
    s.on('end', () => resolve(text));
    s.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  });
  assert.match(body, /data: a[\s\S]*data: b/);
  assert.ok(seen[0]!.plain > 0, 'a plain write waits in the corked socket');
  assert.equal(seen[0]!.now, 0, 'after writeNow nothing of either write is left in Node');
  assert.ok(seen[0]!.span.to >= seen[0]!.span.from);
});

test('token errors count an arrival inside the write as exact, after it as late by the difference, before it as early', () => {
  const truth: TruthTimes = {
    id: 'r', monotonic_offset_ms: 1000, received_ms: 0,
    chunks: [{ t_ms: 10, written_ms: 10.5, tokens: 1 }, { t_ms: 20, written_ms: 20.2, tokens: 1 }, { t_ms: 30, tokens: 1 }],
  };
  // Sent at 1000 (host clock); chunks arrive at 1010.3 (inside its write), 1022.2 (2 ms after), 1029 (1 ms before).
  const row: MeasuredRow = { ttftMs: 10.3, request_id: 'r', sent_monotonic_ms: 1000, itl: [[11.9, 1], [6.8, 1]] };
  const e = tokenErrors([row], [truth]);
  assert.equal(e.ttft[0], 0);
  assert.ok(Math.abs(e.itl[0]! - 2) < 1e-9 && Math.abs(e.itl[1]! - -3) < 1e-9, `${e.itl}`);
  assert.ok(Math.abs(e.meanItl[0]! - -0.5) < 1e-9, `${e.meanItl}`);
});
