import { Pool } from 'undici';
import type { ServiceOf } from '../../fields.js';
import type { llmFields } from './fields.js';
import { peakConcurrency } from '../../shared/concurrency.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';
import { classOfStatus } from '../../../engine/classify.js';
import type { OperationResult } from '../../contract.js';
import { AifbError } from '../../../errors.js';
import { scrub } from '../../../util/scrub.js';
import { timedRequest, type TimedResponse } from './timed-body.js';

/** Where an LLM server is and how to talk to it (one keep-alive pool per service). */
export class LlmEndpoint {
  readonly base: URL;
  readonly pool: Pool;
  readonly headers: Record<string, string>;

  constructor(spec: ServiceOf<typeof llmFields>, defaultPort: number) {
    const text = baseUrlText(spec.fields, defaultPort) ?? `http://127.0.0.1:${defaultPort}`;
    const url = parseHttpUrl(text);
    if (!url) throw new Error(`${spec.name}: "${text}" is not an http(s) URL`);
    this.base = url;
    const timeout = spec.timeoutMs + 1000;
    // Streams can be long and many: one connection per possible in-flight request.
    this.pool = new Pool(url.origin, { connections: peakConcurrency(spec.load), pipelining: 1, headersTimeout: timeout, bodyTimeout: timeout });
    this.headers = { 'content-type': 'application/json', ...spec.fields.headers };
    if (spec.fields.api_key) this.headers.authorization = `Bearer ${spec.fields.api_key}`;
  }

  /** A path under the base URL's own path (so `http://h/proxy/` + `/v1/models` works). */
  path(p: string): string {
    return this.base.pathname.replace(/\/$/, '') + p;
  }

  /** One request; its body's chunks carry their arrival time (timed-body.ts). */
  request(method: 'GET' | 'POST', path: string, body: Buffer | undefined, signal: AbortSignal): Promise<TimedResponse> {
    return timedRequest(this.pool, { method, path: this.path(path), headers: this.headers, body: body ?? null }, signal);
  }

  /** Fails with one clear message when the server cannot be reached or refuses us. */
  async checkReady(path: string, signal: AbortSignal, what: string): Promise<void> {
    let status: number;
    try {
      const res = await this.pool.request({ method: 'GET', path: this.path(path), headers: this.headers, signal });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new AifbError('bad-input', `${what} at ${this.base.origin} is not reachable (${code ?? (err as Error).message})`, { cause: err });
    }
    if (status === 401 || status === 403) throw new AifbError('bad-input', `${what} at ${this.base.origin} refused the credentials (HTTP ${status})`);
    if (status >= 400) throw new AifbError('bad-input', `${what} at ${this.base.origin} is not ready: GET ${path} answered HTTP ${status}`);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => this.pool.destroy());
  }
}

/** A failed HTTP answer: status, class, and the server's message (its error text when the body says one). */
export async function httpFailure(statusCode: number, body: AsyncIterable<Uint8Array> & { text(): Promise<string> }): Promise<OperationResult> {
  const raw = await body.text().catch(() => '');
  // Scrubbed before it is cut: a secret split at the cut would no longer be found.
  const text = scrub(errorText(raw)).slice(0, 300);
  return { ok: false, status: statusCode, errorClass: classOfStatus(statusCode), message: text || `HTTP ${statusCode}`, bytesIn: Buffer.byteLength(raw) };
}

/**
 * The message in an error body as real servers send them: `{"error": "…"}` (Triton, Ollama),
 * `{"error": {"message": …, "type": …}}` (OpenAI, vLLM, llama.cpp), either as one SSE
 * `data:` line (Triton's generate_stream). A Python traceback is cut to its last line, the
 * exception, which is what a reader needs. Anything else is returned as it came.
 */
export function errorText(raw: string): string {
  const trimmed = raw.trim().replace(/^data:\s*/, '');
  let msg: string | undefined;
  try {
    const obj = JSON.parse(trimmed) as { error?: unknown; message?: unknown; detail?: unknown };
    const e = obj.error;
    if (typeof e === 'string') msg = e;
    else if (e && typeof e === 'object') {
      const { message, type } = e as { message?: unknown; type?: unknown };
      if (typeof message === 'string') msg = typeof type === 'string' ? `${type}: ${message}` : message;
    } else if (typeof obj.message === 'string') msg = obj.message;
    else if (typeof obj.detail === 'string') msg = obj.detail;
  } catch {
    // not JSON: keep the body
  }
  if (msg === undefined) return raw.trim();
  if (msg.includes('Traceback (most recent call last)')) {
    const exc = msg.split('\n').map((l) => l.trim()).filter((l) => /^[\w.]+(Error|Exception)\b.*:/.test(l)).at(-1);
    if (exc) return exc;
  }
  return msg;
}
