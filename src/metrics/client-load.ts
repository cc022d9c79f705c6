import type Database from 'better-sqlite3';

/**
 * How hard aifb's own thread worked while it drove one service (or one generator of it):
 * the figures that say whether the client, not the service, set the pace
 * (engine/client-load.ts measures them, report/client.ts judges them).
 */
export interface ClientLoadFigures {
  /** `main` (the run's own thread), `service` (a thread of its own), `process` (a generator process). */
  thread: 'main' | 'service' | 'process';
  /** Length of the load measured, seconds. */
  wallSeconds: number;
  /** perf_hooks.eventLoopUtilization over the load: the share of time the loop was not waiting. */
  eventLoopUtilization: number;
  /** The same without the turns spent only polling for a sleep's last millisecond (util/turn-poller.ts). */
  eventLoopBusy: number;
  /** monitorEventLoopDelay: how late a 5 ms timer ran, ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** CPU time of the thread (Linux: /proc/thread-self/schedstat), or of the process where that cannot be read. */
  cpuSeconds: number;
  cpuScope: 'thread' | 'process';
  /** Measured starts' lag behind their intended instant, p99, ms (as the report's schedule_lag). */
  scheduleLagP99Ms: number | null;
  requests: number;
}

export const CLIENT_LOAD_SQL = `
CREATE TABLE IF NOT EXISTS client_load (
  benchmark_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  generator INTEGER NOT NULL,
  thread TEXT,
  wall_seconds REAL,
  event_loop_utilization REAL,
  event_loop_busy REAL,
  delay_p50_ms REAL,
  delay_p99_ms REAL,
  delay_max_ms REAL,
  cpu_seconds REAL,
  cpu_scope TEXT,
  schedule_lag_p99_ms REAL,
  requests INTEGER,
  PRIMARY KEY (benchmark_id, service_name, generator)
);`;

/** A `client_load` row as stored. */
export interface ClientLoadRow {
  service_name: string;
  generator: number;
  thread: string | null;
  wall_seconds: number | null;
  event_loop_utilization: number | null;
  event_loop_busy: number | null;
  delay_p50_ms: number | null;
  delay_p99_ms: number | null;
  delay_max_ms: number | null;
  cpu_seconds: number | null;
  cpu_scope: string | null;
  schedule_lag_p99_ms: number | null;
  requests: number | null;
}

/** Records one generator's figures (a step's or a rerun's replace the earlier ones). */
export function saveClientLoad(db: Database.Database, benchmarkId: string, service: string, generator: number, f: ClientLoadFigures): void {
  db.exec(CLIENT_LOAD_SQL);
  db.prepare(
    `INSERT OR REPLACE INTO client_load (benchmark_id, service_name, generator, thread, wall_seconds, event_loop_utilization,
      event_loop_busy, delay_p50_ms, delay_p99_ms, delay_max_ms, cpu_seconds, cpu_scope, schedule_lag_p99_ms, requests)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(benchmarkId, service, generator, f.thread, f.wallSeconds, f.eventLoopUtilization, f.eventLoopBusy, f.delayP50Ms, f.delayP99Ms, f.delayMaxMs, f.cpuSeconds, f.cpuScope, f.scheduleLagP99Ms, f.requests);
}

/** Every generator's figures of a run, by service; none for runs made before the table existed. */
export function readClientLoad(db: Database.Database, benchmarkId: string): Map<string, ClientLoadRow[]> {
  const out = new Map<string, ClientLoadRow[]>();
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'client_load'").get();
  if (!has) return out;
  const rows = db.prepare('SELECT * FROM client_load WHERE benchmark_id = ? ORDER BY service_name, generator').all(benchmarkId) as ClientLoadRow[];
  for (const r of rows) (out.get(r.service_name) ?? out.set(r.service_name, []).get(r.service_name)!).push(r);
  return out;
}
