import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { buildQueryString, HttpResponse, type HttpHandler, type HttpHandlerOptions, type HttpRequest } from '@smithy/core/protocols';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * Where an operation's AbortSignal rides from the command's input to the HTTP handler.
 * The SDK caches its resolved middleware stack (`cacheMiddleware`) only for a `send`
 * without options, and resolving it on every call was most of the client's CPU per
 * small object; so the signal travels with the request instead of as a send option.
 */
const SIGNAL = Symbol('aifb.s3.signal');

type Signalled = { [SIGNAL]?: AbortSignal };

/** The command input with the operation's signal attached (the SDK's spreads of the input keep it). */
export function signalled<T extends object>(input: T, signal: AbortSignal | undefined): T {
  if (signal) (input as Signalled)[SIGNAL] = signal;
  return input;
}

/**
 * Copies the input's signal onto the HTTP request the handler gets. Innermost of the
 * stack (the deserialize step at low priority), so it sees the signed request as sent.
 */
export function carrySignals(client: S3Client): void {
  client.middlewareStack.add(
    (next) => (args) => {
      const signal = (args.input as Signalled)[SIGNAL];
      if (signal) (args.request as Signalled)[SIGNAL] = signal;
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'aifbS3Signal' },
  );
}

/** The signal `signalled` attached to the request's input, once carrySignals copied it. */
export function signalOf(request: HttpRequest): AbortSignal | undefined {
  return (request as Signalled)[SIGNAL];
}

/** The error an aborted request settles with, named as the SDK's own handler names it. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const err = new Error(reason instanceof Error ? 'Request aborted' : String(reason ?? 'Request aborted'));
  err.name = 'AbortError';
  if (reason instanceof Error) err.cause = reason;
  return err;
}

/** undici refuses these request headers (it manages the connection itself). */
const DROPPED = new Set(['expect', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The SDK's HttpHandler over an undici Agent (aifb's HTTP library on hot paths): one
 * keep-alive pool per origin with `connections` sockets, the response body handed to
 * the SDK as undici's Readable. The operation's signal (a send option, or the one
 * `signalled` attached) aborts the request, also one still waiting for a socket, and
 * the body's read.
 */
export class UndiciS3Handler implements HttpHandler<Record<string, never>> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly agent: Agent;

  /** The Agent itself, for the direct path (direct.ts), which shares its keep-alive pool. */
  get dispatcher(): Dispatcher {
    return this.agent;
  }

  constructor(connections: number) {
    this.agent = new Agent({ connections, pipelining: 1 });
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const signal = (options.abortSignal as AbortSignal | undefined) ?? signalOf(request);
    if (signal?.aborted) throw abortError(signal);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!DROPPED.has(name.toLowerCase())) headers[name] = value;
    }
    const port = request.port ? `:${request.port}` : '';
    const query = request.query ? buildQueryString(request.query) : '';
    const opts: Dispatcher.RequestOptions = {
      origin: `${request.protocol}//${request.hostname}${port}`,
      path: query ? `${request.path}?${query}` : request.path,
      method: request.method as Dispatcher.HttpMethod,
      headers,
      body: (request.body ?? null) as Dispatcher.RequestOptions['body'],
      ...(signal ? { signal } : {}),
    };
    try {
      const res = await this.agent.request(opts);
      return {
        response: new HttpResponse({
          statusCode: res.statusCode,
          headers: flatHeaders(res.headers),
          body: res.body as unknown as Readable,
        }),
      };
    } catch (err) {
      throw signal?.aborted ? abortError(signal) : err;
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    // Also called by S3Client.destroy(); a second destroy of an Agent settles quietly, but never leave its promise unobserved.
    this.agent.destroy().catch(() => undefined);
  }
}
