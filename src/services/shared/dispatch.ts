import type { Dispatcher } from 'undici';

/** The error an aborted request settles with: the signal's reason when it is one. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('request aborted');
}

/**
 * The part every undici dispatch handler of aifb shares: the engine's signal aborts the
 * request, also one still queued for a connection (it is aborted as soon as it starts).
 * Subclasses call `detach()` when the response ends or fails.
 */
export abstract class SignalledHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;

  constructor(protected readonly signal: AbortSignal) {
    signal.addEventListener('abort', this.onAbort);
  }

  // An arrow function, so the same reference can be removed again.
  private readonly onAbort = (): void => {
    this.controller?.abort(abortReason(this.signal));
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) this.onAbort();
  }

  protected detach(): void {
    this.signal.removeEventListener('abort', this.onAbort);
  }
}

/** Dispatches with `handler`, or rejects at once when the signal has already fired. */
export function dispatchWith<T>(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
  handler: (resolve: (v: T) => void, reject: (err: Error) => void) => Dispatcher.DispatchHandler,
): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, handler(resolve, reject));
  });
}
