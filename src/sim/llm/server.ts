import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RECEIVED_AT, SimState, type SimStats, type TimedRequest } from './context.js';
import { sendJson, sendText } from './http.js';
import { handleOllama, listTags, version } from './ollama.js';
import { handleOpenAI, listModels } from './openai.js';
import { resolveLlmSimOptions, type LlmSimOptions, type LlmSimOptionsInput } from './options.js';
import { handleTriton } from './triton.js';
import type { TruthView } from './truth.js';

/** A running simulator. */
export interface LlmSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (all three protocols live under it). */
  url: string;
  port: number;
  options: LlmSimOptions;
  /** Stops serving and drops open connections and queued requests. */
  close(): Promise<void>;
  /** The true timeline of a request, by `x-sim-request-id` (or OpenAI `id`). */
  truth(id: string): TruthView | undefined;
  /** Counters, as served at `/sim/stats`. */
  stats(): SimStats & { running: number; waiting: number; engine_steps: number; uptime_s: number };
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

type Route = (sim: SimState, req: TimedRequest, res: ServerResponse) => void | Promise<void>;

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/health': { GET: (_s, _q, res) => sendText(res, 200, '') },
  '/metrics': { GET: (sim, _q, res) => sendText(res, 200, sim.metrics.render(), PROMETHEUS_TEXT) },
  '/v1/models': { GET: (sim, _q, res) => listModels(sim, res) },
  '/v1/completions': { POST: (sim, req, res) => handleOpenAI(sim, req, res, 'completions') },
  '/v1/chat/completions': { POST: (sim, req, res) => handleOpenAI(sim, req, res, 'chat') },
  '/': { GET: (_s, _q, res) => sendText(res, 200, 'Ollama is running') },
  '/api/version': { GET: (_s, _q, res) => version(res) },
  '/api/tags': { GET: (sim, _q, res) => listTags(sim, res) },
  '/api/generate': { POST: (sim, req, res) => handleOllama(sim, req, res, 'generate') },
  '/api/chat': { POST: (sim, req, res) => handleOllama(sim, req, res, 'chat') },
  '/sim/stats': { GET: (sim, _q, res) => sendJson(res, 200, sim.snapshot()) },
};

async function route(sim: SimState, req: TimedRequest, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  const method = req.method ?? 'GET';
  const byMethod = ROUTES[path];
  if (byMethod) {
    const handler = byMethod[method];
    if (handler) return handler(sim, req, res);
    req.resume();
    return sendJson(res, 405, { detail: 'Method Not Allowed' });
  }
  const truth = /^\/sim\/truth\/([^/]+)$/.exec(path);
  if (truth && method === 'GET') {
    const view = sim.truth.get(decodeURIComponent(truth[1]!));
    return view ? sendJson(res, 200, view) : sendJson(res, 404, { detail: 'no truth record for this id (unknown or evicted)' });
  }
  if (path === '/v2' || path.startsWith('/v2/')) {
    if (await handleTriton(sim, req, res, path)) return;
  }
  req.resume();
  sendJson(res, 404, { detail: 'Not Found' });
}

/**
 * Starts the LLM simulator: one HTTP server speaking OpenAI (vLLM), Ollama and Triton
 * (KServe v2) over a shared continuous-batching engine. Resolves once it listens.
 */
export async function startLlmSimulator(input: LlmSimOptionsInput = {}): Promise<LlmSimulator> {
  const options = resolveLlmSimOptions(input);
  const sim = new SimState(options);
  const server = createServer((req: TimedRequest, res) => {
    req[RECEIVED_AT] = performance.now();
    route(sim, req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: `simulator bug: ${(err as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    options,
    close() {
      closing ??= new Promise<void>((resolve) => {
        sim.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    truth: (id) => sim.truth.get(id),
    stats: () => sim.snapshot(),
  };
}

export type { LlmSimOptions, LlmSimOptionsInput } from './options.js';
export type { TruthView, TruthRecord, SimProtocol, TruthOutcome } from './truth.js';
