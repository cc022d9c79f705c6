import type { Dispatcher } from 'undici';

/** What one HTTP exchange ended with: the status and the body's length, bytes counted, not kept. */
export interface Exchange {
  status: number;
  bytesIn: number;
}

/**
 * One request sent with undici's dispatch API and a handler that only counts the body's
 * bytes. `Pool.request()` wraps every response in a Readable stream and an async
 * iterator; on a one-core client that wrapping costs about a quarter of the request
 * (bench/http). The response counts as complete when its last byte arrived.
 */
class CountingHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private status = 0;
  private bytesIn = 0;

  constructor(
    private readonly signal: AbortSignal,
    private readonly resolve: (e: Exchange) => void,
    private readonly reject: (err: Error) => void,
  ) {
    signal.addEventListener('abort', this.onAbort);
  }

  // An arrow function, so the same reference can be removed again.
  private readonly onAbort = (): void => {
    const reason = this.signal.reason instanceof Error ? this.signal.reason : new Error('request aborted');
    // Before onRequestStart the request is still queued: abort it as soon as it starts.
    this.controller?.abort(reason);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) this.onAbort();
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytesIn += chunk.length;
  }

  onResponseEnd(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.resolve({ status: this.status, bytesIn: this.bytesIn });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.reject(err);
  }
}

/** Sends one request through `dispatcher` and resolves when the whole response has arrived. */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<Exchange> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('request aborted'));
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new CountingHandler(signal, resolve, reject));
  });
}
