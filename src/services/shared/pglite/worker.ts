/**
 * An embedded PostgreSQL (PGlite) on a thread of its own (thread.ts starts it). PGlite
 * computes in WebAssembly on the thread that calls it: on the load's thread every query
 * held the event loop, and a service beside it (or the engine's own timers) waited.
 * Here the load's thread only waits for answers, as it would for a server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PgliteThreadData, Reply, Request, WireError } from './protocol.js';

const data = workerData as PgliteThreadData;
const port = parentPort!;
const reply = (r: Reply) => port.postMessage(r);

function wire(err: unknown): WireError {
  const fields: WireError['fields'] = {};
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v as string | number | boolean | null;
  }
  return { message: err instanceof Error ? err.message : String(err), fields };
}

let db: PGlite;
/** Open transactions: PGlite runs the callback; it ends when the client says commit or roll back. */
const txs = new Map<number, { tx: Transaction; end: (commit: boolean) => void }>();
/** Each transaction's end (committed, rolled back, or failed). */
const ended = new Map<number, Promise<void>>();
const ROLLBACK = Symbol('rollback');

async function handle(m: Request): Promise<Reply> {
  switch (m.op) {
    case 'query': {
      const on = m.tx === undefined ? db : txs.get(m.tx)!.tx;
      const r = await on.query<unknown[]>(m.text, m.values, { rowMode: 'array' });
      return { id: m.id, ok: true, rows: r.rows, ...(r.affectedRows !== undefined ? { affectedRows: r.affectedRows } : {}) };
    }
    case 'exec': {
      const on = m.tx === undefined ? db : txs.get(m.tx)!.tx;
      await on.exec(m.text);
      return { id: m.id, ok: true };
    }
    case 'begin':
      return new Promise<Reply>((began, failed) => {
        const done = db
          .transaction(async (tx) => {
            const commit = await new Promise<boolean>((end) => {
              txs.set(m.tx, { tx, end });
              began({ id: m.id, ok: true });
            });
            // Throwing is how PGlite's transaction is told to roll back.
            if (!commit) throw ROLLBACK;
          })
          .catch((err) => {
            if (err !== ROLLBACK) throw err;
          });
        ended.set(m.tx, done);
        done.catch(failed);
      });
    case 'end': {
      txs.get(m.tx)?.end(m.commit);
      txs.delete(m.tx);
      const done = ended.get(m.tx);
      ended.delete(m.tx);
      await done;
      return { id: m.id, ok: true };
    }
    case 'close':
      await db.close();
      return { id: m.id, ok: true };
  }
}

try {
  const { PGlite } = await import('@electric-sql/pglite');
  const extensions: Record<string, unknown> = {};
  if (data.extensions.includes('vector')) extensions.vector = (await import('@electric-sql/pglite-pgvector')).vector;
  db = await PGlite.create({ ...(data.dataDir ? { dataDir: data.dataDir } : {}), extensions: extensions as never });
  port.on('message', (m: Request) => {
    handle(m).then(reply, (err) => reply({ id: m.id, ok: false, error: wire(err) }));
  });
  reply({ ready: true });
} catch (err) {
  reply({ ready: false, error: wire(err) });
}
