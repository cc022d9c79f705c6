import { Pool } from 'undici';
import { ProtocolError } from '../../../engine/classify.js';

/** An HTTP answer outside what the call expects; `statusCode` lets the engine classify it (http_4xx, auth, …). */
export class WeaviateHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface JsonReply {
  status: number;
  body: unknown;
  bytes: number;
}

/** JSON over an undici pool (never fetch(): see DESIGN.md's calibration), with an optional API key. */
export class WeaviateRest {
  private readonly pool: Pool;

  constructor(
    readonly origin: string,
    connections: number,
    timeoutMs: number,
    private readonly apiKey: string | undefined,
  ) {
    this.pool = new Pool(origin, { connections, pipelining: 1, headersTimeout: timeoutMs + 1000, bodyTimeout: timeoutMs + 1000 });
  }

  /** Sends a request; a status not in `ok` throws WeaviateHttpError with Weaviate's own error text. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, ok: number[] = [200], signal?: AbortSignal): Promise<JsonReply & { sent: number }> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const res = await this.pool.request({ method, path, headers, ...(text !== undefined ? { body: text } : {}), ...(signal ? { signal } : {}) });
    const raw = await res.body.text();
    let parsed: unknown = undefined;
    if (raw !== '') {
      try {
        parsed = JSON.parse(raw);
      } catch {
        if (ok.includes(res.statusCode)) throw new ProtocolError(`weaviate ${method} ${path}: answer is not JSON: ${raw.slice(0, 200)}`);
      }
    }
    if (!ok.includes(res.statusCode)) throw new WeaviateHttpError(res.statusCode, `weaviate ${method} ${path}: HTTP ${res.statusCode} ${errorText(parsed) ?? raw.slice(0, 200)}`);
    return { status: res.statusCode, body: parsed, bytes: Buffer.byteLength(raw), sent: text ? Buffer.byteLength(text) : 0 };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Weaviate's error shapes: `{error: [{message}]}` (REST) and `{errors: [{message}]}` (GraphQL). */
export function errorText(body: unknown): string | undefined {
  const b = body as { error?: { message?: string }[]; errors?: { message?: string }[]; message?: string } | undefined;
  const list = b?.error ?? b?.errors;
  if (Array.isArray(list) && list.length > 0) return list.map((e) => e?.message ?? JSON.stringify(e)).join('; ');
  return typeof b?.message === 'string' ? b.message : undefined;
}
