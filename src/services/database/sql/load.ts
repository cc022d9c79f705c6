import type { SqlSession } from './execute.js';
import type { Statement } from './statements.js';

/** The load phase as measured: how fast the initial rows went in. */
export interface LoadPhase {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
}

const CHUNK_ROWS = 1000;
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Inserts rows [0, count) with multi-row INSERTs (one array parameter per column, so
 * one prepared statement serves every chunk), on `concurrency` connections at once.
 */
export async function loadRows(
  session: SqlSession,
  insertMany: Statement,
  count: number,
  payloads: string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<LoadPhase> {
  const rowBytes = payloads[0]?.length ?? 0;
  const chunk = Math.max(1, Math.min(CHUNK_ROWS, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes))));
  let next = 0;
  let failed = false;
  const started = performance.now();
  const worker = async () => {
    while (next < count && !failed) {
      signal.throwIfAborted();
      const from = next;
      const to = Math.min(count, from + chunk);
      next = to;
      const keys: number[] = [];
      const texts: string[] = [];
      for (let k = from; k < to; k++) {
        keys.push(k);
        texts.push(payloads[k % payloads.length]!);
      }
      try {
        await session.query(insertMany, [keys, texts]);
      } catch (err) {
        failed = true; // the other workers stop at their next chunk
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, Math.ceil(count / chunk))) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { rows: count, bytes: count * (rowBytes + 16), seconds, rowsPerSecond: seconds > 0 ? count / seconds : 0 };
}
