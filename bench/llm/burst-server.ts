/**
 * A stand-in for an LLM server's decode step, with nothing else in it: once `streams`
 * requests are open, every `step-ms` it writes one SSE chunk to each of them back to back,
 * as continuous batching does, with the simulator's own write (flushed at once), and records
 * when each write began and returned (host CLOCK_MONOTONIC, ms). Used by floor.ts; not a simulator.
 *
 *   burst-server.ts <streams> <steps> <step-ms> <stamps-file>
 */
import { createServer, type ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { writeNow } from '../../src/sim/llm/http.js';
import { monotonicOffsetMs } from '../../src/util/clock.js';

const [streams, steps, stepMs] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const out = process.argv[5]!;
// performance.now() → the host's CLOCK_MONOTONIC, which the client reads too.
const mono = monotonicOffsetMs();
const open: ServerResponse[] = [];
/** Flat [stream, step, from, to] quadruples. */
const stamps: number[] = [];

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    open.push(res);
    if (open.length === streams) setTimeout(step, 200, 0);
  });
});

function step(n: number): void {
  for (let i = 0; i < streams; i++) {
    const res = open[i]!;
    const text = `data: {"object":"text_completion","choices":[{"index":0,"text":" t${n}","finish_reason":null}]}\n\n`;
    const { from, to } = writeNow(res, text);
    stamps.push(i, n, from + mono, to + mono);
  }
  if (n + 1 < steps) {
    setTimeout(step, stepMs, n + 1);
    return;
  }
  for (const res of open) res.end('data: [DONE]\n\n');
  writeFileSync(out, JSON.stringify(stamps));
  server.close();
}

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') console.log(`PORT ${addr.port}`);
});
