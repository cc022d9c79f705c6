/**
 * The least a client can do with burst-server.ts's streams: stamp each read, parse later.
 * `net` reads raw sockets (no HTTP parser: the platform's floor); `undici` uses undici's
 * dispatcher with a handler that only stamps (the library's floor). Writes, per stream,
 * the arrival (host CLOCK_MONOTONIC, ms) of each step's chunk.
 *
 *   burst-client.ts <net|undici> <port> <streams> <arrivals-file>
 */
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { Pool } from 'undici';

const [kind, portText, streamsText, out] = process.argv.slice(2) as [string, string, string, string];
const port = Number(portText);
const streams = Number(streamsText);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const arrivals: number[][] = Array.from({ length: streams }, () => []);
const pending: [number, Buffer, number][] = [];
let parseScheduled = false;
let finished = 0;

/** Stamped on arrival; the step numbers are read after this turn's I/O. */
function arrived(stream: number, chunk: Buffer): void {
  pending.push([stream, chunk, now()]);
  if (parseScheduled) return;
  parseScheduled = true;
  setImmediate(() => {
    parseScheduled = false;
    for (const [s, c, at] of pending.splice(0)) {
      for (const m of c.toString('latin1').matchAll(/"text":" t(\d+)"/g)) arrivals[s]![Number(m[1])] = at;
    }
  });
}

function done(): void {
  if (++finished < streams) return;
  setTimeout(() => {
    writeFileSync(out, JSON.stringify(arrivals));
    process.exit(0);
  }, 50);
}

const request = 'POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}';
if (kind === 'net') {
  for (let i = 0; i < streams; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.write(request);
    socket.on('data', (chunk: Buffer) => {
      arrived(i, chunk);
      if (chunk.includes('[DONE]')) {
        socket.destroy();
        done();
      }
    });
  }
} else {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: streams });
  for (let i = 0; i < streams; i++) {
    pool.dispatch(
      { method: 'POST', path: '/v1/completions', body: '{}', headers: { 'content-type': 'application/json' } },
      {
        onRequestStart() {},
        onResponseStart() {},
        onResponseData(_c, chunk: Buffer) {
          arrived(i, chunk);
        },
        onResponseEnd() {
          done();
        },
        onResponseError(_c, err: Error) {
          console.error(err);
          process.exit(1);
        },
      },
    );
  }
}
