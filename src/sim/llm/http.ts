import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the simulator refuses; each protocol renders it in its own error shape. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the whole body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Reads and parses a JSON object body. */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `invalid JSON body: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Sends a complete JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends a complete plain-text (or empty) response. */
export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts a streamed response and sends its headers at once. */
export function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** When a streamed piece was handed to the kernel: just before and just after the write (ms). */
export interface WriteSpan {
  from: number;
  to: number;
}

/**
 * Writes a piece of a streamed response, already formatted, and hands it to the kernel
 * before returning; the span brackets that write. Node corks a response's socket at its
 * first write and flushes it on the next tick: when one engine step writes to hundreds of
 * streams, nothing would leave before the step's whole loop had run, and a stamp taken
 * at the write would be early by every other stream's write. Formatting stays outside the
 * span, so a pause of the simulator's own (a GC while building the text) is not in it.
 */
export function writeNow(res: ServerResponse, text: string): WriteSpan {
  const from = performance.now();
  res.write(text);
  const socket = res.socket;
  while (socket && socket.writableCorked > 0) socket.uncork();
  return { from, to: performance.now() };
}

/** Reads an optional finite number from a loosely typed body. */
export function optNumber(obj: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = obj?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new HttpError(400, `${key} must be a number`);
  return v;
}

/** Reads an optional integer. */
export function optInt(obj: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = optNumber(obj, key);
  if (v !== undefined && !Number.isInteger(v)) throw new HttpError(400, `${key} must be an integer`);
  return v;
}

/** Reads an optional boolean. */
export function optBool(obj: Record<string, unknown> | undefined, key: string): boolean | undefined {
  const v = obj?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new HttpError(400, `${key} must be a boolean`);
  return v;
}

/** Reads an optional nested object. */
export function optObject(obj: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const v = obj?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, `${key} must be an object`);
  return v as Record<string, unknown>;
}
