/**
 * SQLite layout. `metrics` keeps the seed's columns (benchmark_id, timestamp,
 * service_name, client_id, request_duration, success, status_code, error_message,
 * response_size) so the report's Listing 8.1 queries run as written; new columns are
 * only added. docs/metrics.md defines every column.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS runs (
  benchmark_id TEXT PRIMARY KEY,
  name TEXT,
  description TEXT,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  recipe_file TEXT,
  recipe_text TEXT,
  recipe_hash TEXT,
  aifb_version TEXT,
  git_commit TEXT,
  host TEXT,
  cpu_model TEXT,
  cpu_count INTEGER,
  memory_bytes INTEGER,
  os TEXT,
  node_version TEXT,
  slurm TEXT,
  command_line TEXT
);
CREATE TABLE IF NOT EXISTS services (
  benchmark_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  service_type TEXT,
  backend TEXT,
  status TEXT NOT NULL,
  error TEXT,
  load TEXT,
  window_start REAL,
  window_end REAL,
  issue_end REAL,
  scheduled INTEGER DEFAULT 0,
  dropped INTEGER DEFAULT 0,
  warmup_requests INTEGER DEFAULT 0,
  cancelled INTEGER DEFAULT 0,
  started_at TEXT,
  ended_at TEXT,
  step_group TEXT,
  step_variable TEXT,
  step_value REAL,
  load_phase TEXT,
  PRIMARY KEY (benchmark_id, service_name)
);
CREATE TABLE IF NOT EXISTS step_groups (
  benchmark_id TEXT NOT NULL,
  service_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  variable TEXT NOT NULL,
  result TEXT,
  PRIMARY KEY (benchmark_id, service_name)
);
CREATE TABLE IF NOT EXISTS metrics (
  id INTEGER PRIMARY KEY,
  benchmark_id TEXT NOT NULL,
  timestamp REAL NOT NULL,
  service_name TEXT NOT NULL,
  client_id INTEGER,
  request_duration REAL NOT NULL,
  success INTEGER NOT NULL,
  status_code INTEGER,
  error_message TEXT,
  response_size INTEGER,
  operation TEXT,
  intended_start REAL,
  actual_start REAL,
  service_time REAL,
  error_class TEXT,
  bytes_out INTEGER,
  ttft REAL,
  tpot REAL,
  itl REAL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  tokens_estimated INTEGER,
  extra TEXT
);
CREATE INDEX IF NOT EXISTS metrics_by_run ON metrics (benchmark_id, service_name);
-- Blocks of rows a run's writer thread spooled during the load, expanded into metrics after it (metrics/spool.ts).
CREATE TABLE IF NOT EXISTS metrics_spool (
  id INTEGER PRIMARY KEY,
  rows INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS report_states (
  benchmark_id TEXT PRIMARY KEY,
  format INTEGER NOT NULL,
  row_count INTEGER NOT NULL,
  last_row_id INTEGER NOT NULL,
  state BLOB NOT NULL
);
`;
