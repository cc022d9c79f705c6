import { Worker } from 'node:worker_threads';
import { workerScript } from '../../../util/worker-script.js';
import type { Answer, PgliteThreadData, Reply, Request, WireError } from './protocol.js';

/** A query's answer, as PGlite gives it with rowMode 'array'. */
export interface PgliteResult {
  rows: unknown[][];
  affectedRows?: number;
}

/** What the backends use of PGlite, inside or outside a transaction. */
export interface PgliteQueries {
  query(text: string, values?: unknown[]): Promise<PgliteResult>;
  exec(text: string): Promise<void>;
}

export interface PgliteThread extends PgliteQueries {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: PgliteQueries) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Req = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

function revive(w: WireError): Error {
  return Object.assign(new Error(w.message), w.fields);
}

/**
 * Starts PGlite on a thread of its own (worker.ts) and returns its queries as promises:
 * the caller's thread sends and waits, and PGlite's CPU time is that thread's, not the
 * load's (issue 17). Each query costs a message each way (docs/performance.md).
 */
export async function startPgliteThread(o: PgliteThreadData): Promise<PgliteThread> {
  const { script, ...how } = workerScript(import.meta.url, 'worker');
  const worker = new Worker(script, { ...how, workerData: o });
  const waiting = new Map<number, { resolve: (r: Answer) => void; reject: (e: Error) => void }>();
  let next = 0;
  let gone: Error | undefined;
  const fail = (err: Error) => {
    gone ??= err;
    for (const w of waiting.values()) w.reject(gone);
    waiting.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (r: Reply) => {
      if ('ready' in r) return r.ready ? resolve() : reject(revive(r.error));
      const w = waiting.get(r.id);
      if (!w) return;
      waiting.delete(r.id);
      if (r.ok) w.resolve(r);
      else w.reject(revive(r.error));
    });
    worker.on('error', (err) => {
      reject(err);
      fail(err);
    });
    worker.on('exit', () => fail(new Error('the PGlite thread ended')));
  });
  await ready;
  const send = (m: Req): Promise<Answer> => {
    if (gone) return Promise.reject(gone);
    const id = ++next;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...m, id } as Request);
    });
  };
  const queries = (tx: number | undefined): PgliteQueries => ({
    query: async (text, values) => {
      const r = await send({ op: 'query', text, values, tx });
      return { rows: r.rows ?? [], ...(r.affectedRows !== undefined ? { affectedRows: r.affectedRows } : {}) };
    },
    exec: async (text) => void (await send({ op: 'exec', text, tx })),
  });
  let txs = 0;
  return {
    ...queries(undefined),
    async transaction(fn) {
      const tx = ++txs;
      await send({ op: 'begin', tx });
      let out;
      try {
        out = await fn(queries(tx));
      } catch (err) {
        await send({ op: 'end', tx, commit: false }).catch(() => undefined);
        throw err;
      }
      await send({ op: 'end', tx, commit: true });
      return out;
    },
    async close() {
      if (!gone) await send({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
