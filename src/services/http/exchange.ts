import type { Dispatcher } from 'undici';
import { dispatchWith, SignalledHandler } from '../shared/dispatch.js';

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
class CountingHandler extends SignalledHandler {
  private status = 0;
  private bytesIn = 0;

  constructor(
    signal: AbortSignal,
    private readonly resolve: (e: Exchange) => void,
    private readonly reject: (err: Error) => void,
  ) {
    super(signal);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytesIn += chunk.length;
  }

  onResponseEnd(): void {
    this.detach();
    this.resolve({ status: this.status, bytesIn: this.bytesIn });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.detach();
    this.reject(err);
  }
}

/** Sends one request through `dispatcher` and resolves when the whole response has arrived. */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<Exchange> {
  return dispatchWith<Exchange>(dispatcher, options, signal, (resolve, reject) => new CountingHandler(signal, resolve, reject));
}
