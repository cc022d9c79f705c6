import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunError, UsageError } from '../errors.js';
import { SCHEMA_SQL } from '../metrics/schema-sql.js';
import { CLIENT_LOAD_SQL } from '../metrics/client-load.js';
import { mergeServiceRecords, mergeRunRecords, type RunRow, type ServiceRow } from './merge-rows.js';

/**
 * Which shard a database holds, written by each load generator and kept in the merged
 * database: one row per shard, so a reader sees which host produced which requests.
 */
export const SHARDS_SQL = `
CREATE TABLE IF NOT EXISTS shards (
  benchmark_id TEXT NOT NULL,
  shard_index INTEGER NOT NULL,
  host TEXT,
  slurm_job_id TEXT,
  slurm_procid TEXT,
  source TEXT,
  client_offset INTEGER,
  rows INTEGER,
  node TEXT,
  status TEXT,
  note TEXT,
  PRIMARY KEY (benchmark_id, shard_index)
);`;

export interface ShardMeta {
  index: number;
  host: string;
  slurmJobId: string | null;
  slurmProcid: string | null;
  /** The Slurm node (SLURMD_NODENAME): several nodes may share one host name. */
  node?: string | null;
}

/** Records which shard a generator's database is (called by the generator). */
export function writeShardMeta(db: Database.Database, benchmarkId: string, m: ShardMeta): void {
  db.exec(SHARDS_SQL);
  db.prepare('INSERT OR REPLACE INTO shards (benchmark_id, shard_index, host, slurm_job_id, slurm_procid, node) VALUES (?, ?, ?, ?, ?, ?)').run(
    benchmarkId,
    m.index,
    m.host,
    m.slurmJobId,
    m.slurmProcid,
    m.node ?? null,
  );
}

function columns(db: Database.Database, schema: string, table: string): string[] {
  return (db.prepare(`PRAGMA ${schema}.table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

interface ShardFile {
  path: string;
  index: number;
  meta: ShardMeta | undefined;
}

function readShard(path: string, position: number): ShardFile & { runs: RunRow[] } {
  if (!existsSync(path)) throw new UsageError(`shard database ${path} does not exist`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const runs = db.prepare('SELECT * FROM runs').all() as RunRow[];
    const hasShards = (db.prepare("SELECT name FROM sqlite_master WHERE name = 'shards'").get() as unknown) !== undefined;
    const m = hasShards ? (db.prepare('SELECT * FROM shards LIMIT 1').get() as Record<string, unknown> | undefined) : undefined;
    const meta = m
      ? {
          index: Number(m.shard_index),
          host: String(m.host ?? ''),
          slurmJobId: (m.slurm_job_id as string | null) ?? null,
          slurmProcid: (m.slurm_procid as string | null) ?? null,
          node: (m.node as string | null | undefined) ?? null,
        }
      : undefined;
    return { path, index: meta?.index ?? position, meta, runs };
  } finally {
    db.close();
  }
}

export interface MergeResult {
  benchmarkId: string;
  shards: number;
  rows: number;
  /** Shards expected but not merged: absent, unreadable, or written by a generator that never finished. */
  missing: MissingShard[];
}

export interface MissingShard {
  index: number;
  node: string | null;
  reason: string;
}

export interface MergeOptions {
  /** Shards 0..expect-1 make the run; any not merged is recorded as missing and the run is partial. */
  expect?: number;
  /** Why a shard may be missing (e.g. its node failed), by index; shown with it. */
  notes?: Record<number, string>;
}

/**
 * Splits shard files into those that can be merged and those that cannot: with
 * `expect`, an absent or unreadable file, or one whose generator never finished its run
 * (killed with its node: its counters were never saved), is missing, not an error.
 */
function sortShards(files: readonly string[], o: MergeOptions): { shards: (ShardFile & { runs: RunRow[] })[]; missing: MissingShard[] } {
  const shards: (ShardFile & { runs: RunRow[] })[] = [];
  const missing: MissingShard[] = [];
  for (const [i, f] of files.entries()) {
    if (o.expect === undefined) {
      shards.push(readShard(f, i));
      continue;
    }
    const fallback = Number(/shard-(\d+)\.db$/.exec(f)?.[1] ?? i);
    let s: ShardFile & { runs: RunRow[] };
    try {
      s = readShard(f, fallback);
    } catch (err) {
      if (existsSync(f)) missing.push({ index: fallback, node: null, reason: `unreadable: ${(err as Error).message}` });
      continue;
    }
    if (s.runs.length === 0 || s.runs.every((r) => r.status === 'running')) {
      missing.push({ index: s.index, node: s.meta?.node ?? null, reason: 'its generator never finished (killed?): rows and counters incomplete' });
    } else shards.push(s);
  }
  if (o.expect !== undefined) {
    for (let k = 0; k < o.expect; k++) {
      if (!shards.some((s) => s.index === k) && !missing.some((m) => m.index === k)) missing.push({ index: k, node: null, reason: 'no shard file' });
    }
  }
  for (const m of missing) if (o.notes?.[m.index]) m.reason = `${o.notes[m.index]}; ${m.reason}`;
  return { shards, missing: missing.sort((a, b) => a.index - b.index) };
}

/**
 * Copies shard databases of one run into `target`: every request row (times rebased to
 * the earliest shard's start, client ids offset so each generator's clients stay
 * distinct), service records combined (counters add, windows span all shards) and one
 * run record. The report is then built from raw rows as for any run, so histograms
 * merge without loss and rates add.
 */
export function mergeShardFiles(target: string, files: readonly string[], benchmarkId?: string, o: MergeOptions = {}): MergeResult {
  if (files.length === 0) throw new UsageError('merge: give at least one shard database');
  const sorted = sortShards(files, o);
  const { missing } = sorted;
  const shards = sorted.shards.sort((a, b) => a.index - b.index);
  if (shards.length === 0) throw new RunError(`merge: no shard could be merged (${missing.map((m) => `shard ${m.index}: ${m.reason}`).join('; ')})`);
  const ids = [...new Set(shards.flatMap((s) => s.runs.map((r) => r.benchmark_id)))];
  const id = benchmarkId ?? (ids.length === 1 ? ids[0] : undefined);
  if (!id) throw new UsageError(ids.length === 0 ? 'merge: the shards hold no run' : `merge: the shards hold several runs (${ids.join(', ')}); choose one with --id`);
  const runRows = shards.map((s) => s.runs.find((r) => r.benchmark_id === id)).filter((r): r is RunRow => r !== undefined);
  if (runRows.length !== shards.length) throw new UsageError(`merge: run ${id} is missing from some shards`);
  if (existsSync(target)) {
    const probe = new Database(target, { readonly: true });
    const has = probe.prepare("SELECT 1 FROM sqlite_master WHERE name = 'runs'").get() && probe.prepare('SELECT 1 FROM runs WHERE benchmark_id = ?').get(id);
    probe.close();
    if (has) throw new UsageError(`merge: ${target} already holds run ${id}; merge into a new file`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const db = new Database(target);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA_SQL);
    db.exec(SHARDS_SQL);
    const merged = mergeRunRecords(runRows);
    // A shard short makes the run partial: its requests are not in the report.
    const run = missing.length > 0 && merged.status === 'complete' ? { ...merged, status: 'partial' } : merged;
    const cols = columns(db, 'main', 'runs');
    const keys = cols.filter((c) => c in run);
    db.prepare(`INSERT INTO runs (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(run);
    const origin = Date.parse(run.started_at);
    let offset = 0;
    let rows = 0;
    const services: ServiceRow[][] = [];
    for (const s of shards) {
      const copied = copyShard(db, s, id, origin, offset);
      rows += copied.rows;
      services.push(copied.services);
      offset += copied.clientSpan;
    }
    const note = missing.length > 0 ? `generator shard(s) missing: ${missing.map((m) => `${m.index}${m.node ? ` (node ${m.node})` : ''}: ${m.reason}`).join('; ')}` : undefined;
    const records = mergeServiceRecords(services).map((r) =>
      note ? { ...r, status: r.status === 'complete' ? 'partial' : r.status, error: r.error ? `${r.error}; ${note}` : note } : r,
    );
    saveServices(db, id, records);
    const insertMissing = db.prepare('INSERT OR REPLACE INTO shards (benchmark_id, shard_index, node, status, note) VALUES (?, ?, ?, ?, ?)');
    for (const m of missing) insertMissing.run(id, m.index, m.node, 'missing', m.reason);
    return { benchmarkId: id, shards: shards.length, rows, missing };
  } finally {
    db.close();
  }
}

/**
 * Copies one shard's rows of run `id` into the open target database, rebased to the
 * target run's origin (epoch ms) with client ids offset; returns the shard's service
 * rows (rebased) for the caller to combine.
 */
export function copyShard(
  db: Database.Database,
  s: { path: string; index: number; meta?: ShardMeta | undefined },
  id: string,
  originEpochMs: number,
  clientOffset: number,
): { rows: number; clientSpan: number; services: ServiceRow[] } {
  db.prepare('ATTACH DATABASE ? AS shard').run(s.path);
  try {
    const started = (db.prepare('SELECT started_at FROM shard.runs WHERE benchmark_id = ?').get(id) as { started_at: string } | undefined)?.started_at;
    if (!started) throw new RunError(`shard ${s.path} holds no run ${id}`);
    const shift = (Date.parse(started) - originEpochMs) / 1000;
    const shardCols = new Set(columns(db, 'shard', 'metrics'));
    const cols = columns(db, 'main', 'metrics').filter((c) => c !== 'id' && shardCols.has(c));
    const expr = (c: string) =>
      c === 'client_id' ? 'client_id + @offset' : c === 'intended_start' || c === 'actual_start' ? `${c} + @shift` : c;
    const info = db
      .prepare(`INSERT INTO main.metrics (${cols.join(', ')}) SELECT ${cols.map(expr).join(', ')} FROM shard.metrics WHERE benchmark_id = @id ORDER BY id`)
      .run({ offset: clientOffset, shift, id });
    const span = (db.prepare('SELECT MAX(client_id) AS m FROM shard.metrics WHERE benchmark_id = ?').get(id) as { m: number | null }).m;
    const services = (db.prepare('SELECT * FROM shard.services WHERE benchmark_id = ? ORDER BY rowid').all(id) as ServiceRow[]).map((r) => ({
      ...r,
      window_start: r.window_start === null ? null : r.window_start + shift,
      window_end: r.window_end === null ? null : r.window_end + shift,
      issue_end: r.issue_end === null ? null : r.issue_end + shift,
    }));
    copyClientLoad(db, id, s.index);
    db.exec(SHARDS_SQL);
    db.prepare(
      `INSERT OR REPLACE INTO main.shards (benchmark_id, shard_index, host, slurm_job_id, slurm_procid, source, client_offset, rows, node, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'merged')`,
    ).run(id, s.index, s.meta?.host ?? null, s.meta?.slurmJobId ?? null, s.meta?.slurmProcid ?? null, s.path, clientOffset, info.changes, s.meta?.node ?? null);
    return { rows: info.changes, clientSpan: span === null ? 0 : span + 1, services };
  } finally {
    db.exec('DETACH DATABASE shard');
  }
}

/** A generator process's client figures (metrics/client-load.ts), as generator `index` of its service. */
function copyClientLoad(db: Database.Database, id: string, index: number): void {
  if (!db.prepare("SELECT 1 FROM shard.sqlite_master WHERE type = 'table' AND name = 'client_load'").get()) return;
  db.exec(CLIENT_LOAD_SQL);
  db.prepare(
    `INSERT OR REPLACE INTO main.client_load (benchmark_id, service_name, generator, thread, wall_seconds, event_loop_utilization,
      event_loop_busy, delay_p50_ms, delay_p99_ms, delay_max_ms, cpu_seconds, cpu_scope, schedule_lag_p99_ms, requests)
     SELECT benchmark_id, service_name, ?, 'process', wall_seconds, event_loop_utilization, event_loop_busy, delay_p50_ms,
      delay_p99_ms, delay_max_ms, cpu_seconds, cpu_scope, schedule_lag_p99_ms, requests FROM shard.client_load WHERE benchmark_id = ?`,
  ).run(index, id);
}

/** Writes combined service records (inserts, or updates the run's row for each service). */
export function saveServices(db: Database.Database, id: string, rows: ServiceRow[]): void {
  const cols = columns(db, 'main', 'services');
  for (const r of rows) {
    const row: Record<string, unknown> = { ...r, benchmark_id: id };
    const keys = cols.filter((c) => c in row);
    // An upsert, not REPLACE: the row keeps its rowid, which orders services in reports.
    const updates = keys.filter((k) => k !== 'benchmark_id' && k !== 'service_name').map((k) => `${k} = excluded.${k}`);
    db.prepare(
      `INSERT INTO services (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})
       ON CONFLICT (benchmark_id, service_name) DO UPDATE SET ${updates.join(', ')}`,
    ).run(
      Object.fromEntries(keys.map((k) => [k, row[k] ?? null])),
    );
  }
}
