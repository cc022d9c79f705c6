import type Database from 'better-sqlite3';

/** One load generator of a run whose shards were merged: where it ran, what it gave. */
export interface GeneratorReport {
  index: number;
  /** The Slurm node (SLURMD_NODENAME), when it ran under Slurm. */
  node: string | null;
  host: string | null;
  slurm_job_id: string | null;
  /** merged, or missing (its shard could not be merged: see note). */
  status: string;
  /** Request rows it contributed (null when missing). */
  requests: number | null;
  note: string | null;
}

/** The generators of a merged run (the `shards` table), or undefined for a run of one process. */
export function generatorReports(db: Database.Database, id: string): GeneratorReport[] | undefined {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shards'").get();
  if (!has) return undefined;
  const cols = new Set((db.prepare('PRAGMA table_info(shards)').all() as { name: string }[]).map((c) => c.name));
  const pick = (c: string) => (cols.has(c) ? c : `NULL AS ${c}`);
  const rows = db
    .prepare(`SELECT shard_index, host, slurm_job_id, rows, ${pick('node')}, ${pick('status')}, ${pick('note')} FROM shards WHERE benchmark_id = ? ORDER BY shard_index`)
    .all(id) as { shard_index: number; host: string | null; slurm_job_id: string | null; rows: number | null; node: string | null; status: string | null; note: string | null }[];
  if (rows.length === 0) return undefined;
  return rows.map((r) => ({
    index: r.shard_index,
    node: r.node,
    host: r.host,
    slurm_job_id: r.slurm_job_id,
    status: r.status ?? 'merged',
    requests: r.rows,
    note: r.note,
  }));
}
