import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection folds the write-ahead log into the database. */
const CHECKPOINT_EVERY_MS = 1000;

// Plain JavaScript so it runs the same from the compiled package and from source (tsx).
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 100');
const step = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* the writer's concern, not ours */ } };
const timer = setInterval(step, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); try { db.close(); } catch {} parentPort.close(); });
`;

/**
 * Checkpoints a WAL database from a worker thread. SQLite's automatic checkpoint runs
 * inside the commit that crosses 1000 pages, on the writer's thread: at 10k rows/s that
 * held aifb's event loop ~5 ms every ~0.4 s, which showed as schedule lag. Here the writer
 * only appends to the log and this connection copies it back in the background.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_CODE, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS } });
    this.worker.on('error', () => {
      // A checkpoint that cannot run leaves the log longer, never a row lost.
    });
    this.worker.unref();
  }

  /** Stops the background connection; the writer's close() does the last checkpoint. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      setTimeout(resolve, 2000).unref();
    });
  }
}
