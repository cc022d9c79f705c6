import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AifbError, RunError } from '../errors.js';
import type { Provenance } from './provenance.js';
import type { Sample } from './sample.js';
import { RowWriter, type BatchAck } from './row-writer.js';
import { ROWS_PER_STATEMENT, prepareRowInsert } from './rows.js';
import { isFull, newPackedBlock, resetBlock, unpackBlock, type PackedBlock } from './packed-block.js';
import { SCHEMA_SQL } from './schema-sql.js';
import { SamplePacker } from './sample-rows.js';
import { CLIENT_LOAD_SQL, saveClientLoad, type ClientLoadFigures } from './client-load.js';
import { saveServerMetrics, type ServerWatchResult } from './server-metrics.js';
import { checkMetricsDbPath, foreignTables } from './db-check.js';
import { expandSpool, expandSpoolOf, spooledRows } from './spool.js';
import { scrub } from '../util/scrub.js';

export type RunStatus = 'running' | 'complete' | 'partial' | 'failed';
export type ServiceStatus = 'running' | 'complete' | 'partial' | 'failed' | 'skipped';

export type { StoredServiceRow } from './rows.js';

export interface RunRecord {
  benchmarkId: string;
  name: string;
  description: string | undefined;
  recipeFile: string;
  recipeText: string;
  recipeHash: string;
  provenance: Provenance;
}

export interface ServiceRecord {
  serviceName: string;
  serviceType: string;
  backend: string | undefined;
  status: ServiceStatus;
  error?: string | undefined;
  load: unknown;
  windowStart?: number | undefined;
  windowEnd?: number | undefined;
  /** When the last start was issued (the end of the offered load). */
  issueEnd?: number | undefined;
  scheduled?: number;
  dropped?: number;
  warmupRequests?: number;
  cancelled?: number;
  step?: { group: string; variable: string; value: number } | undefined;
  /** What setup loaded before the measured window (rows, vectors, rate), as the backend reports it. */
  loadPhase?: unknown;
}

export interface StoreOptions {
  /** Rows are committed at least this often (ms): the most a SIGKILL can lose. */
  flushIntervalMs?: number;
  /** Rows buffered before a commit is forced. */
  maxBatch?: number;
  /** Commit rows (and checkpoint the write-ahead log) on a worker thread, off the event loop (row-writer.ts). */
  background?: boolean;
  /** With `background`: the thread also keeps the report's aggregates and saves them as it goes (report/saved-state.ts). */
  aggregates?: boolean;
  /**
   * With `background`: the most rows spooled during the load (spool.ts), expanded when the
   * aggregates are saved or the store closes; 0 or unset: rows are inserted as they come.
   */
  spool?: number;
}

export { ROW_COLUMNS } from './rows.js';

/** Told when blocks another thread packed are off its hands: committed (reusable) or not. */
export type Taken = (committed: boolean) => void;
/** Blocks per incremental commit on the event loop: 128 rows, well under a millisecond. */
const STEP_BLOCKS = 4;
/** Blocks per batch handed to the writer thread: 1,024 rows, so it wakes ~10 times a second at 10k req/s. */
const WRITER_STEP_BLOCKS = 32;

/** Rows handed to the writer thread and not yet committed before the event loop waits for it (bounds memory). */
const MAX_UNACKED_ROWS = 16_384;

/** Committed blocks kept for reuse: as many as can be handed over and not yet acknowledged. */
const MAX_SPARE_BLOCKS = MAX_UNACKED_ROWS / ROWS_PER_STATEMENT;

/** Rows kept in memory while commits fail, before newer ones are counted as lost. */
const MAX_PENDING_ROWS = 200_000;

/**
 * The metrics database: every measured request is one row, written in batched
 * transactions (WAL), so a run killed at any moment keeps all but its last batch.
 * Times in rows are seconds; `intended_start`/`actual_start` are relative to the run's
 * start, `timestamp` is Unix time of the intended start.
 */
export class MetricsStore {
  readonly db: Database.Database;
  // Rows go straight into statement-sized packed blocks: no object per row, no copy at commit.
  private blocks: PackedBlock[] = [];
  private readonly rows = new SamplePacker();
  /** Blocks committed and free for reuse (a Float64Array each: not worth making again). */
  private readonly spareBlocks: PackedBlock[] = [];
  private buffered = 0;
  private stepQueued = false;
  private writer: RowWriter | undefined;
  private keepsAggregates = false;
  /** Batches handed to the writer thread and not yet acknowledged, by id. */
  private readonly unacked = new Map<number, { blocks: PackedBlock[]; rows: number; taken: Taken | undefined }>();
  private unackedRows = 0;
  private batchId = 0;
  private readonly stepBlocks: number;
  /** Full blocks waiting that make a step due: any on the event loop, a whole batch for the writer thread. */
  private readonly dueBlocks: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly insertMany: (blocks: PackedBlock[]) => void;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private benchmarkId = '';
  private originMs = 0;
  private toEpochMs: (mono: number) => number = (m) => m;
  private rowsWritten = 0;
  private spools = false;
  private writeError: Error | undefined;
  /** Rows that could not be stored (the disk stayed full past the queue's bound). */
  lost = 0;
  /**
   * Told of every committed block of rows (ROW_COLUMNS values one row after another), in
   * commit order: what the database holds, and nothing it does not.
   */
  onCommitted: ((values: readonly unknown[]) => void) | undefined;
  /** Told once when a commit fails (disk full, I/O error); the run should stop its load. */
  onWriteError: ((err: Error) => void) | undefined;

  constructor(readonly path: string, options: StoreOptions = {}) {
    checkMetricsDbPath(path);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA_SQL);
      this.db.exec(CLIENT_LOAD_SQL);
      // What a killed run left spooled goes into metrics now, before this run's writer thread spools its own.
      if (spooledRows(this.db) > 0) expandSpool(this.db, prepareRowInsert(this.db));
    } catch (err) {
      throw new RunError(`cannot open metrics database ${path}: ${openFailure(err)}`, { cause: err });
    }
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.maxBatch = options.maxBatch ?? 4096;
    if (options.background && path !== ':memory:') {
      // The writer thread's commits checkpoint the log; this connection's rare writes must not.
      this.db.pragma('wal_autocheckpoint = 0');
      this.keepsAggregates = options.aggregates ?? false;
      this.spools = (options.spool ?? 0) > 0;
      this.writer = new RowWriter(path, this.keepsAggregates, (ack) => this.settle(ack), options.spool ?? 0);
    }
    this.stepBlocks = this.writer ? WRITER_STEP_BLOCKS : STEP_BLOCKS;
    this.dueBlocks = this.writer ? WRITER_STEP_BLOCKS : 1;
    const insertBlocks = prepareRowInsert(this.db);
    this.insertMany = this.db.transaction((blocks: PackedBlock[]) => void insertBlocks(blocks.map(unpackBlock)));
  }

  /** Starts a run: records its provenance; samples appended afterwards belong to it. */
  beginRun(run: RunRecord, originMs: number, toEpochMs: (mono: number) => number): void {
    if (this.db.prepare('SELECT 1 FROM runs WHERE benchmark_id = ?').get(run.benchmarkId) !== undefined) {
      throw new AifbError('bad-input', `benchmark id "${run.benchmarkId}" is already in ${this.path}: a run never overwrites another (choose another --id, or another metrics_db)`);
    }
    this.benchmarkId = run.benchmarkId;
    this.originMs = originMs;
    this.toEpochMs = toEpochMs;
    this.rows.benchmarkId = run.benchmarkId;
    this.rows.originMs = originMs;
    this.rows.toEpochMs = toEpochMs;
    const p = run.provenance;
    this.db
      .prepare(
        `INSERT INTO runs (benchmark_id, name, description, status, started_at, recipe_file, recipe_text,
          recipe_hash, aifb_version, git_commit, host, cpu_model, cpu_count, memory_bytes, os, node_version,
          slurm, command_line) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.benchmarkId,
        run.name,
        run.description ?? null,
        new Date(toEpochMs(originMs)).toISOString(),
        run.recipeFile,
        run.recipeText,
        run.recipeHash,
        p.aifbVersion,
        p.gitCommit,
        p.host,
        p.cpuModel,
        p.cpuCount,
        p.memoryBytes,
        p.os,
        p.nodeVersion,
        JSON.stringify(p.slurm),
        p.commandLine,
      );
  }

  /** Queues one measured sample; it is committed within the flush interval. */
  append(s: Sample): void {
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || isFull(block)) this.blocks.push((block = this.spareBlocks.pop() ?? newPackedBlock()));
    this.rows.pack(block, s);
    if (++this.buffered >= this.maxBatch) this.commitAll();
    else {
      this.timer ??= setTimeout(() => this.commitAll(), this.flushIntervalMs);
      if (isFull(block) && this.blocks.length >= this.dueBlocks && !this.stepQueued) {
        this.stepQueued = true;
        setImmediate(() => this.commitStep());
      }
    }
  }

  /**
   * Queues blocks of rows that another thread packed (a service thread, engine/threads):
   * they are committed like the store's own. `taken(true)` once they are committed (the
   * other thread may reuse them), `taken(false)` when a commit failed and the store kept
   * them for a retry or counted them lost: either way they are off the other thread's
   * queue. Blocks handed over that way are never reused here.
   */
  appendBlocks(blocks: PackedBlock[], taken: Taken): void {
    let rows = 0;
    for (const b of blocks) rows += b.rows;
    if (rows === 0) return taken(true);
    this.commit(blocks, rows, taken);
  }

  /** The run's origin and its Unix time, for threads that pack rows on the same clock. */
  get origin(): { benchmarkId: string; originMs: number; originEpochMs: number } {
    return { benchmarkId: this.benchmarkId, originMs: this.originMs, originEpochMs: this.toEpochMs(this.originMs) };
  }

  /**
   * Commits a few full blocks in their own macrotask. One large commit every 200 ms would
   * hold the event loop for milliseconds and delay every start due meanwhile (schedule
   * lag at 10k req/s); small steps interleave with the load instead.
   */
  private commitStep(): void {
    this.stepQueued = false;
    // After a failed commit only the flush timer retries, not every filled block.
    if (this.writeError) return;
    let n = 0;
    while (n < this.stepBlocks && n < this.blocks.length && isFull(this.blocks[n]!)) n++;
    if (n === 0) return;
    const blocks = this.blocks.splice(0, n);
    const rows = n * ROWS_PER_STATEMENT;
    this.buffered -= rows;
    this.commit(blocks, rows);
    if (this.blocks.length > this.dueBlocks && !this.stepQueued) {
      this.stepQueued = true;
      setImmediate(() => this.commitStep());
    }
  }

  /** Commits every queued row now; with a writer thread, waits until it has. */
  flush(): void {
    this.commitAll();
    this.awaitWriter();
  }

  /** Commits every queued row, or hands them to the writer thread without waiting. */
  private commitAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffered === 0) return;
    const blocks = this.blocks;
    const rows = this.buffered;
    this.blocks = [];
    this.buffered = 0;
    this.commit(blocks, rows);
  }

  private commit(blocks: PackedBlock[], rows: number, taken?: Taken): void {
    if (this.writer) {
      const failure = this.writer.failure;
      if (failure) {
        this.failed(blocks, rows, new Error(failure));
        return taken?.(false);
      }
      const id = ++this.batchId;
      this.unacked.set(id, { blocks, rows, taken });
      this.unackedRows += rows;
      this.writer.send(id, blocks);
      // A writer that falls behind slows the load down here (it shows as schedule lag) rather than growing memory.
      while (this.unackedRows > MAX_UNACKED_ROWS && this.writer.waitFor(this.unacked.keys().next().value!)) {}
      return;
    }
    try {
      this.insertMany(blocks);
    } catch (err) {
      this.failed(blocks, rows, err as Error);
      return taken?.(false);
    }
    this.committed(blocks, rows, taken !== undefined);
    taken?.(true);
  }

  /** The writer thread's word on one batch. */
  private settle(ack: BatchAck): void {
    const batch = this.unacked.get(ack.id);
    if (!batch) return;
    this.unacked.delete(ack.id);
    this.unackedRows -= batch.rows;
    if (ack.error === undefined) this.committed(batch.blocks, batch.rows, batch.taken !== undefined);
    else this.failed(batch.blocks, batch.rows, new Error(ack.error));
    batch.taken?.(ack.error === undefined);
  }

  private committed(blocks: PackedBlock[], rows: number, foreign = false): void {
    this.rowsWritten += rows;
    for (const block of blocks) {
      if (this.onCommitted) this.onCommitted(unpackBlock(block));
      if (!foreign && this.spareBlocks.length < MAX_SPARE_BLOCKS) {
        resetBlock(block);
        this.spareBlocks.push(block);
      }
    }
  }

  private failed(blocks: PackedBlock[], rows: number, err: Error): void {
    // Keep the rows for a later commit (space may come back), within a bound: whole
    // blocks of the oldest rows are kept, the newest beyond the bound are lost.
    let kept = 0;
    let k = 0;
    while (k < blocks.length && kept + blocks[k]!.rows <= MAX_PENDING_ROWS) kept += blocks[k++]!.rows;
    this.lost += rows - kept;
    this.blocks = blocks.slice(0, k).concat(this.blocks);
    this.buffered += kept;
    if (!this.writeError) {
      this.writeError = err;
      this.onWriteError?.(this.writeError);
    }
  }

  /** With a writer thread: waits until every batch handed over is committed or failed. */
  private awaitWriter(): void {
    if (!this.writer) return;
    if (this.unacked.size > 0 && !this.writer.waitFor(this.batchId)) {
      // The thread is gone or stuck: what it did not acknowledge is counted as not stored.
      const err = new Error(this.writer.failure ?? 'the metrics writer thread did not answer');
      for (const [id, b] of [...this.unacked]) {
        this.unacked.delete(id);
        this.unackedRows -= b.rows;
        this.failed(b.blocks, b.rows, err);
        b.taken?.(false);
      }
    }
  }

  /**
   * With a writer thread keeping the aggregates: commits every queued row and has the
   * thread save the report's aggregates of all of them (report_states). False otherwise.
   */
  saveAggregates(): boolean {
    this.flush();
    return this.keepsAggregates && this.writer !== undefined && this.writer.saveAggregates();
  }

  /**
   * Has the writer thread move the spool into `metrics` (and save the aggregates). Rows it
   * could not move (a full disk) stay spooled for the next reader, and the run is marked
   * partial: its own report would not count them.
   */
  private expandSpooled(): void {
    this.writer?.saveAggregates();
    const left = spooledRows(this.db);
    if (left > 0 && !this.writeError) {
      this.writeError = new Error(`${left} rows could not be moved from metrics_spool into metrics; the next aifb report of this database moves them`);
      this.onWriteError?.(this.writeError);
    }
  }

  /** The first commit failure, if any. */
  get failure(): Error | undefined {
    return this.writeError;
  }

  get written(): number {
    return this.rowsWritten;
  }

  /** Inserts or updates a service's run record (status, window, counters); a failed write is remembered, not thrown. */
  saveService(r: ServiceRecord): void {
    try {
      this.writeService(r);
    } catch (err) {
      if (!this.writeError) {
        this.writeError = err as Error;
        this.onWriteError?.(this.writeError);
      }
    }
  }

  /** Records how hard the client's thread worked for one service or generator (metrics/client-load.ts); a failed write is remembered. */
  saveClientLoad(service: string, generator: number, f: ClientLoadFigures): void {
    try {
      saveClientLoad(this.db, this.benchmarkId, service, generator, f);
    } catch (err) {
      if (!this.writeError) {
        this.writeError = err as Error;
        this.onWriteError?.(this.writeError);
      }
    }
  }

  /** Records what was scraped of a service's server while its load ran (metrics/server-metrics.ts); a failed write is remembered. */
  saveServerMetrics(service: string, w: ServerWatchResult): void {
    try {
      saveServerMetrics(this.db, this.benchmarkId, service, this.originMs, w);
    } catch (err) {
      if (!this.writeError) {
        this.writeError = err as Error;
        this.onWriteError?.(this.writeError);
      }
    }
  }

  private writeService(r: ServiceRecord): void {
    const sec = (ms: number | undefined) => (ms === undefined ? null : (ms - this.originMs) / 1000);
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO services (benchmark_id, service_name, service_type, backend, status, error, load,
          window_start, window_end, issue_end, scheduled, dropped, warmup_requests, cancelled, started_at, ended_at,
          step_group, step_variable, step_value, load_phase)
         VALUES (@id, @name, @type, @backend, @status, @error, @load, @ws, @we, @ie, @scheduled, @dropped, @warmup,
          @cancelled, @now, NULL, @group, @variable, @value, @loadPhase)
         ON CONFLICT (benchmark_id, service_name) DO UPDATE SET status = @status, error = @error, load = @load,
          window_start = @ws, window_end = @we, issue_end = @ie, scheduled = @scheduled, dropped = @dropped,
          warmup_requests = @warmup, cancelled = @cancelled, load_phase = COALESCE(@loadPhase, load_phase),
          ended_at = CASE WHEN @status = 'running' THEN NULL ELSE @now END`,
      )
      .run({
        id: this.benchmarkId,
        name: r.serviceName,
        type: r.serviceType,
        backend: r.backend ?? null,
        status: r.status,
        error: r.error === undefined ? null : scrub(r.error),
        load: JSON.stringify(r.load),
        ws: sec(r.windowStart),
        we: sec(r.windowEnd),
        ie: sec(r.issueEnd),
        scheduled: r.scheduled ?? 0,
        dropped: r.dropped ?? 0,
        warmup: r.warmupRequests ?? 0,
        cancelled: r.cancelled ?? 0,
        now,
        group: r.step?.group ?? null,
        variable: r.step?.variable ?? null,
        value: r.step?.value ?? null,
        loadPhase: r.loadPhase === undefined ? null : JSON.stringify(r.loadPhase),
      });
  }

  /** Records a sweep's or search's outcome (the steps themselves are services). */
  saveStepGroup(serviceName: string, kind: string, variable: string, result: unknown): void {
    this.db
      .prepare(
        `INSERT INTO step_groups (benchmark_id, service_name, kind, variable, result) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (benchmark_id, service_name) DO UPDATE SET result = excluded.result`,
      )
      .run(this.benchmarkId, serviceName, kind, variable, JSON.stringify(result));
  }

  /** Marks the run finished (or partial) after flushing every queued row (and expanding the spool: the load is over). */
  finishRun(status: RunStatus, endMs: number): void {
    this.flush();
    if (this.spools) this.expandSpooled();
    try {
      this.db
        .prepare('UPDATE runs SET status = ?, ended_at = ? WHERE benchmark_id = ?')
        .run(this.writeError ? 'partial' : status, new Date(this.toEpochMs(endMs)).toISOString(), this.benchmarkId);
    } catch (err) {
      // The run stays marked running, which reports read as partial: nothing is claimed that was not stored.
      this.writeError ??= err as Error;
    }
  }

  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writer) {
      this.writer.close(this.batchId);
      this.writer = undefined;
      // Fold the log in here, so the file is whole on its own.
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // The log stays; SQLite replays it on the next open.
      }
    }
    this.db.close();
  }
}

/** Opens an existing metrics database read-only, for reports. */
export function openMetricsDb(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    const missing = (err as { code?: string }).code === 'SQLITE_CANTOPEN';
    throw new AifbError('bad-input', `cannot open metrics database ${path}: ${missing ? 'no such file' : openFailure(err)}`, { cause: err });
  }
  const problem = foreignTables(path);
  if (problem) {
    db.close();
    throw new AifbError(problem.includes('locked') ? 'runtime' : 'bad-input', `metrics database ${path} ${problem}`);
  }
  if (spooledRows(db) === 0) return db;
  // Rows a killed (or still running) run left spooled (spool.ts) go into metrics first, so the report has them.
  db.close();
  try {
    expandSpoolOf(path);
  } catch (err) {
    throw new AifbError('runtime', `metrics database ${path} holds rows a run left spooled, and they cannot be moved into its metrics table: ${openFailure(err)}`, { cause: err });
  }
  return new Database(path, { readonly: true, fileMustExist: true });
}

/** A driver's open failure in words (a lock is the usual one: another run is writing). */
function openFailure(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'it is locked by another process (another aifb run writing to it?); try again when it ends, or use another metrics_db';
  return (err as Error).message;
}
