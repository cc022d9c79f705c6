import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on loopback that counts the responses it finished sending. */
export async function countingServer(t: { after(fn: () => Promise<void> | void): void }, delayMs = 0) {
  const state = { answered: 0, failedAnswered: 0 };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const reply = () => {
        const fail = req.url?.startsWith('/fail');
        res.statusCode = fail ? 503 : 200;
        res.end(fail ? 'unavailable' : 'hello from the test server', () => {
          state.answered++;
          if (fail) state.failedAnswered++;
        });
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, state };
}
