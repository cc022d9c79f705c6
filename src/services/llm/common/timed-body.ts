import type { Dispatcher } from 'undici';
import { dispatchWith, SignalledHandler } from '../../shared/dispatch.js';

/** A response whose body chunks carry the instant undici handed them over. */
export interface TimedResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: TimedBody;
}

/**
 * A streamed body fed by undici's dispatch handler. Each chunk is stamped in the socket's
 * read callback, before any other stream's parsing runs: with hundreds of streams whose
 * tokens arrive at the same step end, a stamp taken where the consumer's `for await`
 * resumes includes the time spent on every other stream's chunks first.
 */
export class TimedBody implements AsyncIterable<Uint8Array> {
  private readonly queue: { chunk: Uint8Array; at: number }[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** Arrival time (performance.now()) of the chunk the iterator yielded last. */
  arrivedAt = 0;

  push(chunk: Uint8Array, at: number): void {
    this.queue.push({ chunk, at });
    stampedSinceTurn++;
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(err: Error): void {
    this.failure = err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    if (w) resumeLater(w);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        this.arrivedAt = next.at;
        yield next.chunk;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** The whole body as UTF-8 text. */
  async text(): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const c of this) parts.push(c);
    return Buffer.concat(parts).toString('utf8');
  }
}

/*
 * Stamp first, parse later. With continuous batching every stream's token is written at the
 * same step end; the client reads them one socket at a time, and whatever parsing runs in
 * between delays the stamps of every chunk still waiting in the kernel. So consumers resume
 * in a loop turn whose poll found nothing new (the burst is over), a few at a time so the
 * next poll comes soon. While chunks keep coming, only consumers that have waited longer
 * than RESUME_DEFER_MS resume, still a few per turn: at 2,000 streams on one core, resuming
 * every overdue one at once made turns so long that the ITL error p99 was 117 ms, not 57.
 */
const RESUME_BATCH = 8;
const RESUME_DEFER_MS = 20;
const resumeQueue: { wake: () => void; at: number }[] = [];
let resumeHead = 0;
let resumeScheduled = false;
let stampedSinceTurn = 0;

function resumeLater(wake: () => void): void {
  resumeQueue.push({ wake, at: performance.now() });
  if (!resumeScheduled) {
    resumeScheduled = true;
    setImmediate(resumeBatch);
  }
}

function resumeBatch(): void {
  let end = resumeHead;
  if (stampedSinceTurn === 0) {
    end = Math.min(resumeQueue.length, resumeHead + RESUME_BATCH);
  } else {
    const overdue = performance.now() - RESUME_DEFER_MS;
    while (end < resumeQueue.length && end - resumeHead < 2 * RESUME_BATCH && resumeQueue[end]!.at <= overdue) end++;
  }
  stampedSinceTurn = 0;
  while (resumeHead < end) resumeQueue[resumeHead++]!.wake();
  if (resumeHead < resumeQueue.length) {
    // A queue that never empties (a steady flow of chunks) must not keep what it resumed.
    if (resumeHead >= 1024) {
      resumeQueue.splice(0, resumeHead);
      resumeHead = 0;
    }
    setImmediate(resumeBatch);
    return;
  }
  resumeQueue.length = 0;
  resumeHead = 0;
  resumeScheduled = false;
}

/** Dispatch handler: resolves with the response at its headers, then feeds the body. */
class TimedHandler extends SignalledHandler {
  private body: TimedBody | undefined;

  constructor(
    signal: AbortSignal,
    private readonly resolve: (r: TimedResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {
    super(signal);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.body = new TimedBody();
    this.resolve({ statusCode, headers, body: this.body });
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk, performance.now());
  }

  onResponseEnd(): void {
    this.detach();
    this.body?.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.detach();
    if (this.body) this.body.fail(err);
    else this.reject(err);
  }
}

/** Sends a request; resolves at the response's headers with a body whose chunks are time-stamped on arrival. */
export function timedRequest(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<TimedResponse> {
  return dispatchWith<TimedResponse>(dispatcher, options, signal, (resolve, reject) => new TimedHandler(signal, resolve, reject));
}
