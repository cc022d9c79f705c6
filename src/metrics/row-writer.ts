import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** What the writer thread says of one batch: committed, or failed with SQLite's message. */
export interface BatchAck {
  id: number;
  error?: string;
}

/** How long flush() waits for the writer thread before it counts the thread as failed. */
const WAIT_MS = 30_000;

// Plain JavaScript so it runs the same from the compiled package and from source (tsx).
// Batches waiting in the port are committed together: one transaction, one ack each.
const WORKER_CODE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const { port, done, path, oneSql, blockSql, columns, blockValues } = workerData;
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const one = db.prepare(oneSql);
const block = db.prepare(blockSql);
const insertAll = db.transaction((batches) => {
  for (const b of batches) for (const v of b.blocks) {
    if (v.length === blockValues) block.run(v);
    else for (let i = 0; i < v.length; i += columns) one.run(v.slice(i, i + columns));
  }
});
const settle = (batches, error) => {
  for (const b of batches) port.postMessage(error ? { id: b.id, error } : { id: b.id });
  Atomics.store(done, 0, batches[batches.length - 1].id);
  Atomics.notify(done, 0);
};
const commit = (batches) => {
  // A failed batch fails alone: the ones before it may still fit.
  try { insertAll(batches); settle(batches); }
  catch { for (const b of batches) { try { insertAll([b]); settle([b]); } catch (err) { settle([b], String((err && err.message) || err)); } } }
};
port.on('message', (first) => {
  let closing = first === 'close';
  const batches = closing ? [] : [first];
  for (let next; !closing && (next = receiveMessageOnPort(port)) !== undefined; ) {
    if (next.message === 'close') closing = true;
    else batches.push(next.message);
  }
  if (batches.length) commit(batches);
  if (closing) {
    try { db.close(); } catch {}
    Atomics.store(done, 1, 1);
    Atomics.notify(done, 1);
    port.close();
  }
});
`;

/**
 * Commits the metrics rows on a worker thread with its own connection, so the event loop
 * that times requests only hands blocks over (about 0.4 µs a row instead of 2–5 µs of
 * binding, commit and write-ahead-log work, which had shown as schedule lag and as
 * latency). SQLite's automatic checkpoint runs in this thread's commits too.
 *
 * Batches are committed and acknowledged in the order they were sent. `waitFor()` blocks
 * until a batch is done (Atomics.wait) and collects the acks at once, so the store's
 * flush() and close() keep their synchronous meaning.
 */
export class RowWriter {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(8));
  private failed: string | undefined;
  private closed = false;

  /** `onAck` is told of every batch, in order, from the event loop or from waitFor(). */
  constructor(
    path: string,
    sql: { oneSql: string; blockSql: string; columns: number; blockValues: number },
    private readonly onAck: (ack: BatchAck) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { port: port2, done: this.done, path, driver, ...sql },
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

  send(id: number, blocks: unknown[][]): void {
    this.port.postMessage({ id, blocks });
  }

  /**
   * Blocks until batch `id` and every one before it are done, and hands their acks to
   * `onAck` now. False when the thread did not answer (it failed, or took over WAIT_MS).
   */
  waitFor(id: number): boolean {
    const deadline = Date.now() + WAIT_MS;
    for (let seen = Atomics.load(this.done, 0); seen < id; seen = Atomics.load(this.done, 0)) {
      if (this.failed || Date.now() >= deadline) return false;
      Atomics.wait(this.done, 0, seen, Math.min(100, deadline - Date.now()));
    }
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.onAck(m.message as BatchAck);
    return true;
  }

  /** Ends the thread after the batches sent; their acks are handed over first. */
  close(lastId: number): void {
    if (this.closed) return;
    this.waitFor(lastId);
    this.closed = true;
    this.port.postMessage('close');
    const deadline = Date.now() + WAIT_MS;
    while (Atomics.load(this.done, 1) === 0 && !this.failed && Date.now() < deadline) Atomics.wait(this.done, 1, 0, 100);
    this.port.close();
  }
}
