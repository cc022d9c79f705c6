/**
 * The metrics writer thread (row-writer.ts starts it): commits the batches of rows the
 * event loop hands over, in order, acknowledges each, and keeps the report's aggregates
 * of what it committed, saving them in the database every few seconds and when told, so
 * even a killed run's report starts from them (report/saved-state.ts).
 */
import Database from 'better-sqlite3';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { RunAccumulator } from './aggregates/accumulate.js';
import { saveRunState } from './aggregates/saved-state.js';
import { unpackBlock, type PackedBlock } from './packed-block.js';
import { prepareRowInsert, type Block } from './rows.js';
import { expandSpool, prepareSpoolInsert } from './spool.js';
import type { StoredServiceRow } from './rows.js';

export interface WriterThreadData {
  port: MessagePort;
  /** [0]: the last batch settled; [1]: 1 once closed; [2]: the last 'save' done; [3]: chunks of the spool expanded (progress). */
  done: Int32Array;
  path: string;
  /** Keep and save the report's aggregates (the run's own database, not a generator's shard). */
  aggregates: boolean;
  /**
   * Spool the batches during the load and expand them when told to save or close (spool.ts),
   * at most this many rows: past it, each batch spooled expands as many of the oldest, so the
   * wait after a long run stays bounded and so does the spool. 0: no spool.
   */
  spool: number;
}

/** What the event loop sends: a batch of blocks, a request to save the aggregates now, or the end. */
export type WriterMessage = Batch | { save: number } | 'close';
interface Batch {
  id: number;
  blocks: PackedBlock[];
}
/** A batch as this thread commits it: its blocks unpacked once, for SQLite and for the aggregates. */
interface Unpacked {
  id: number;
  blocks: Block[];
}

/** How often the aggregates are saved while rows come: what a killed run's report reads again at most. */
const SAVE_EVERY_MS = 5000;

/**
 * Below the event loop's priority, but not so far that on a single core the thread
 * cannot keep up with the rows (~4 µs each to commit and aggregate): nice 10 left it ~10 %
 * of a shared core, the load then waited for it, and latency p99 grew by ~3 ms.
 */
const NICE = 5;

/**
 * This thread is background work: at a lower priority the event loop that times
 * requests wins the core whenever both want it. Linux only (a thread's own id through
 * /proc/thread-self); elsewhere it keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, NICE);
  } catch {
    // Not Linux, or not allowed: the same priority as the event loop.
  }
}
lowerPriority();

const data = workerData as WriterThreadData;
const { port, done } = data;
const db = new Database(data.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const insertBlocks = prepareRowInsert(db);
let lastRowId = 0;
const insertAll = db.transaction((batches: Unpacked[]) => {
  for (const b of batches) lastRowId = insertBlocks(b.blocks) || lastRowId;
});
const spoolBlocks = prepareSpoolInsert(db);
const spoolAll = db.transaction((batches: Batch[]) => {
  for (const b of batches) spoolBlocks(b.blocks);
});
let spooled = 0;

const serviceRow = db.prepare('SELECT * FROM services WHERE benchmark_id = ? AND service_name = ?');
let benchmarkId: string | undefined;
const acc = new RunAccumulator((name) => serviceRow.get(benchmarkId, name) as StoredServiceRow | undefined);
let savedAt = Date.now();
let savedRows = 0;

function save(): void {
  if (!data.aggregates || benchmarkId === undefined || acc.rows === savedRows) return;
  if (saveRunState(db, benchmarkId, acc, lastRowId)) savedRows = acc.rows;
  savedAt = Date.now();
}

function aggregate(blocks: readonly Block[]): void {
  if (!data.aggregates) return;
  benchmarkId ??= blocks[0]?.[0] as string | undefined;
  for (const v of blocks) acc.addValues(v);
}

/** Moves spooled rows into `metrics` (all of them by default), aggregating each chunk once committed. */
function expand(maxRows = Infinity): void {
  try {
    spooled -= expandSpool(
      db,
      insertBlocks,
      (blocks, last) => {
        lastRowId = last || lastRowId;
        aggregate(blocks);
        Atomics.add(done, 3, 1);
        Atomics.notify(done, 3);
      },
      maxRows,
    );
  } catch {
    // A full disk: the rest stays spooled, and whoever opens the database next expands it (spool.ts).
  }
}

function settle(batches: { id: number }[], error?: string): void {
  for (const b of batches) {
    port.postMessage(error === undefined ? { id: b.id } : { id: b.id, error });
  }
  Atomics.store(done, 0, batches[batches.length - 1]!.id);
  Atomics.notify(done, 0);
}

function commit(batches: Batch[]): void {
  if (data.spool > 0) return spool(batches);
  const unpacked: Unpacked[] = batches.map((b) => ({ id: b.id, blocks: b.blocks.map(unpackBlock) }));
  try {
    insertAll(unpacked);
    for (const b of unpacked) aggregate(b.blocks);
    settle(unpacked);
  } catch {
    // A failed batch fails alone: the ones before it may still fit.
    for (const b of unpacked) {
      try {
        insertAll([b]);
        aggregate(b.blocks);
        settle([b]);
      } catch (err) {
        settle([b], err instanceof Error ? err.message : String(err));
      }
    }
  }
  if (Date.now() - savedAt >= SAVE_EVERY_MS) save();
}

/** Spools batches as they came; their rows are inserted and aggregated by expand(). */
function spool(batches: Batch[]): void {
  const rowsOf = (b: Batch) => b.blocks.reduce((n, block) => n + block.rows, 0);
  try {
    spoolAll(batches);
    for (const b of batches) spooled += rowsOf(b);
    settle(batches);
  } catch {
    for (const b of batches) {
      try {
        spoolAll([b]);
        spooled += rowsOf(b);
        settle([b]);
      } catch (err) {
        settle([b], err instanceof Error ? err.message : String(err));
      }
    }
  }
  if (spooled > data.spool) {
    expand(spooled - data.spool);
    if (Date.now() - savedAt >= SAVE_EVERY_MS) save();
  }
}

const isBatch = (m: WriterMessage): m is Batch => typeof m === 'object' && 'blocks' in m;

function handle(first: WriterMessage): void {
  // Batches waiting in the port are committed together: one transaction, one ack each.
  const batches: Batch[] = [];
  let other: WriterMessage | undefined;
  for (let m: WriterMessage | undefined = first; m !== undefined; m = receiveMessageOnPort(port)?.message as WriterMessage | undefined) {
    if (isBatch(m)) batches.push(m);
    else {
      other = m;
      break;
    }
  }
  if (batches.length > 0) commit(batches);
  // Saving or closing comes after the load: the spool is expanded first, so the saved aggregates hold every row.
  if (other !== undefined) expand();
  if (other === 'close') {
    save();
    db.close();
    Atomics.store(done, 1, 1);
    Atomics.notify(done, 1);
    port.close();
  } else if (other !== undefined) {
    save();
    Atomics.store(done, 2, (other as { save: number }).save);
    Atomics.notify(done, 2);
  }
}

port.on('message', handle);
