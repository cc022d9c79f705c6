import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';

/** A running `/metrics` endpoint. */
export interface MetricsEndpoint {
  /** What Prometheus should scrape, e.g. http://node042:9464/metrics. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the registry on `GET /metrics`. Port 0 takes any free one. When bound to every
 * interface the URL names this host, since that is what a Prometheus elsewhere must use.
 */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(path === '/' ? 'aifb benchmark metrics: /metrics\n' : 'not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}/metrics`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        // Prometheus keeps its scrape connection open; without this close() would wait for it.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
