import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { workerScript } from '../util/worker-script.js';
import type { PackedBlock } from './packed-block.js';
import type { WriterMessage, WriterThreadData } from './row-writer-thread.js';

/** What the writer thread says of one batch: committed, or failed with SQLite's message. */
export interface BatchAck {
  id: number;
  error?: string;
}

/** How long flush() waits for the writer thread before it counts the thread as failed. */
const WAIT_MS = 30_000;

/** The slots of the shared `done` array (row-writer-thread.ts sets them). */
const SETTLED = 0;
const CLOSED = 1;
const SAVED = 2;
const PROGRESS = 3;

/**
 * Commits the metrics rows on a worker thread with its own connection, so the event loop
 * that times requests only hands packed blocks over (their numbers in shared memory, their
 * few texts copied) instead of doing 2–5 µs a row of binding, commit and write-ahead-log
 * work, which had shown as schedule lag and as latency. SQLite's automatic checkpoint
 * runs in this thread's commits too, and it keeps the report's aggregates of the rows it
 * committed (row-writer-thread.ts).
 *
 * Batches are committed and acknowledged in the order they were sent. `waitFor()` blocks
 * until a batch is done (Atomics.wait) and collects the acks at once, so the store's
 * flush() and close() keep their synchronous meaning.
 */
export class RowWriter {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(16));
  private saves = 0;
  private failed: string | undefined;
  private closed = false;

  /** `onAck` is told of every batch, in order, from the event loop or from waitFor(); `spool`: the most rows spooled (spool.ts), 0 for none. */
  constructor(
    path: string,
    aggregates: boolean,
    private readonly onAck: (ack: BatchAck) => void,
    spool = 0,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const { script, ...how } = workerScript(import.meta.url, 'row-writer-thread');
    const data: WriterThreadData = { port: port2, done: this.done, path, aggregates, spool };
    this.worker = new Worker(script, {
      ...how,
      workerData: data,
      transferList: [port2],
      // Everything it receives is garbage once committed: a small young generation keeps its memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.on('error', (err) => (this.failed ??= `the metrics writer thread failed: ${err.message}`));
    this.worker.on('exit', () => (this.failed ??= 'the metrics writer thread ended'));
    this.port.on('message', (ack: BatchAck) => this.onAck(ack));
    // Neither keeps the process alive: close() ends the thread, an exit ends it anyway.
    this.worker.unref();
    this.port.unref();
  }

  /** Why the thread cannot commit any more, once it cannot. */
  get failure(): string | undefined {
    return this.closed ? undefined : this.failed;
  }

  send(id: number, blocks: PackedBlock[]): void {
    this.post({ id, blocks });
  }

  private post(m: WriterMessage): void {
    this.port.postMessage(m);
  }

  /** Has the thread save the report's aggregates of every batch sent so far, and waits until it has. */
  saveAggregates(): boolean {
    const id = ++this.saves;
    this.post({ save: id });
    return this.waitSlot(SAVED, id);
  }

  /**
   * Blocks until the thread has set `slot` of `done` to at least `value`; false if it failed
   * or went WAIT_MS without settling it or expanding a chunk of the spool (a long run's
   * spool takes longer than that to expand, but never that long for one chunk).
   */
  private waitSlot(slot: number, value: number): boolean {
    let deadline = Date.now() + WAIT_MS;
    let progress = Atomics.load(this.done, PROGRESS);
    for (let seen = Atomics.load(this.done, slot); seen < value; seen = Atomics.load(this.done, slot)) {
      const now = Atomics.load(this.done, PROGRESS);
      if (now !== progress) {
        progress = now;
        deadline = Date.now() + WAIT_MS;
      }
      if (this.failed || Date.now() >= deadline) return false;
      Atomics.wait(this.done, slot, seen, Math.min(100, deadline - Date.now()));
    }
    return true;
  }

  /**
   * Blocks until batch `id` and every one before it are done, and hands their acks to
   * `onAck` now. False when the thread did not answer (it failed, or took over WAIT_MS).
   */
  waitFor(id: number): boolean {
    if (!this.waitSlot(SETTLED, id)) return false;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.onAck(m.message as BatchAck);
    return true;
  }

  /** Ends the thread after the batches sent; their acks are handed over first. */
  close(lastId: number): void {
    if (this.closed) return;
    this.waitFor(lastId);
    this.closed = true;
    this.post('close');
    this.waitSlot(CLOSED, 1);
    this.port.close();
  }
}
