import type Database from 'better-sqlite3';

/** One scrape of a server's own metrics, as the engine took it (engine/server-watch.ts). */
export interface ServerScrape {
  /** Monotonic ms (the run's clock) when the answer came. */
  atMs: number;
  /** Sent before the measured window began (setup, warm-up, or the moment warm-up ended): a baseline of the counters. */
  before: boolean;
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

/** What the watcher saw of a service's server over the run. */
export interface ServerWatchResult {
  url: string;
  intervalMs: number;
  scrapes: ServerScrape[];
  failures: number;
  /** The last failure's text (HTTP status and body start, or the network error). */
  lastError: string | null;
}

export const SERVER_METRICS_SQL = `
CREATE TABLE IF NOT EXISTS server_metrics (
  benchmark_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  t REAL NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  value REAL NOT NULL,
  before_window INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS server_sources (
  benchmark_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  url TEXT,
  interval_ms REAL,
  scrapes INTEGER,
  failures INTEGER,
  last_error TEXT,
  PRIMARY KEY (benchmark_id, service_name)
);`;

/**
 * Records one service's scrapes (`t` in seconds from the run's origin, as the services'
 * windows); a step's or rerun's replace the earlier ones of the same service.
 */
export function saveServerMetrics(db: Database.Database, benchmarkId: string, service: string, originMs: number, w: ServerWatchResult): void {
  db.exec(SERVER_METRICS_SQL);
  const put = db.prepare('INSERT INTO server_metrics (benchmark_id, service_name, t, name, kind, value, before_window) VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM server_metrics WHERE benchmark_id = ? AND service_name = ?').run(benchmarkId, service);
    for (const s of w.scrapes) {
      const t = (s.atMs - originMs) / 1000;
      for (const [name, v] of Object.entries(s.counters)) if (Number.isFinite(v)) put.run(benchmarkId, service, t, name, 'counter', v, s.before ? 1 : 0);
      for (const [name, v] of Object.entries(s.gauges)) if (Number.isFinite(v)) put.run(benchmarkId, service, t, name, 'gauge', v, s.before ? 1 : 0);
    }
    db.prepare('INSERT OR REPLACE INTO server_sources (benchmark_id, service_name, url, interval_ms, scrapes, failures, last_error) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      benchmarkId, service, w.url, w.intervalMs, w.scrapes.length, w.failures, w.lastError,
    );
  })();
}

/** A service's stored scrapes: its source and its points in time order. */
export interface ServerMetricsRows {
  url: string | null;
  interval_ms: number | null;
  scrapes: number;
  failures: number;
  last_error: string | null;
  points: { t: number; name: string; kind: 'counter' | 'gauge'; value: number; before_window: number }[];
}

/** Every service's scrapes of a run; none for runs without them or made before the tables existed. */
export function readServerMetrics(db: Database.Database, benchmarkId: string): Map<string, ServerMetricsRows> {
  const out = new Map<string, ServerMetricsRows>();
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'server_sources'").get()) return out;
  const sources = db.prepare('SELECT * FROM server_sources WHERE benchmark_id = ?').all(benchmarkId) as {
    service_name: string; url: string | null; interval_ms: number | null; scrapes: number | null; failures: number | null; last_error: string | null;
  }[];
  const points = db.prepare('SELECT t, name, kind, value, before_window FROM server_metrics WHERE benchmark_id = ? AND service_name = ? ORDER BY t, rowid');
  for (const s of sources) {
    out.set(s.service_name, {
      url: s.url, interval_ms: s.interval_ms, scrapes: s.scrapes ?? 0, failures: s.failures ?? 0, last_error: s.last_error,
      points: points.all(benchmarkId, s.service_name) as ServerMetricsRows['points'],
    });
  }
  return out;
}
