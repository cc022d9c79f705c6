import type Database from 'better-sqlite3';
import { RunError } from '../errors.js';
import { ERROR_CLASSES, type ErrorClass, type Sample } from '../metrics/sample.js';
import { BenchmarkCells } from './cells.js';
import { storedDeclarations } from '../report/declared.js';

interface MetricRow {
  service_name: string;
  operation: string | null;
  request_duration: number;
  success: number;
  error_class: string | null;
  response_size: number | null;
  bytes_out: number | null;
  ttft: number | null;
  tpot: number | null;
  itl: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  extra: string | null;
}

interface ServiceRow {
  service_name: string;
  service_type: string | null;
  backend: string | null;
  load: string | null;
  window_start: number | null;
  window_end: number | null;
  dropped: number | null;
}

const KNOWN = new Set<string>(ERROR_CLASSES);
const ms = (seconds: number | null) => (seconds === null ? undefined : seconds * 1000);

/** The run to push: the named one, or the newest (as `aifb report` picks it). */
export function findBenchmarkId(db: Database.Database, benchmarkId?: string): string {
  const row = (
    benchmarkId
      ? db.prepare('SELECT benchmark_id FROM runs WHERE benchmark_id = ?').get(benchmarkId)
      : db.prepare('SELECT benchmark_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1').get()
  ) as { benchmark_id: string } | undefined;
  if (!row) throw new RunError(benchmarkId ? `no run with id ${benchmarkId} in the database` : 'the database holds no run');
  return row.benchmark_id;
}

/**
 * Rebuilds a finished run's metrics from its `metrics` rows, exactly as the live
 * observer would have counted them (rows are the measured requests; warm-up is not stored).
 */
export function cellsFromDb(db: Database.Database, benchmarkId: string): BenchmarkCells {
  const cells = new BenchmarkCells(benchmarkId);
  cells.running = false;
  const services = db
    .prepare('SELECT service_name, service_type, backend, load, window_start, window_end, dropped FROM services WHERE benchmark_id = ?')
    .all(benchmarkId) as ServiceRow[];
  // What each backend declared, as stored with the run: only those services' extras are parsed.
  const declaring = new Set<string>();
  for (const r of services) {
    const declared = storedDeclarations(r);
    cells.declare(r.service_name, declared);
    if (declared.length) declaring.add(r.service_name);
  }
  const counts = new Map<string, number>();
  // One Sample object is refilled per row: a big database must not allocate per row.
  const s: Sample = {
    service: '', clientId: 0, operation: '', intendedStart: 0, actualStart: 0, end: 0, ok: true,
    status: null, errorClass: null, message: null, bytesIn: 0, bytesOut: 0,
  };
  const llm: NonNullable<Sample['llm']> = {};
  const rows = db
    .prepare(
      `SELECT service_name, operation, request_duration, success, error_class, response_size, bytes_out,
        ttft, tpot, itl, input_tokens, output_tokens, extra FROM metrics WHERE benchmark_id = ?`,
    )
    .iterate(benchmarkId) as IterableIterator<MetricRow>;
  for (const r of rows) {
    s.service = r.service_name;
    s.operation = r.operation ?? 'default';
    s.end = r.request_duration * 1000;
    s.ok = r.success === 1;
    s.errorClass = s.ok ? null : KNOWN.has(r.error_class ?? '') ? (r.error_class as ErrorClass) : 'other';
    s.bytesIn = r.response_size ?? 0;
    s.bytesOut = r.bytes_out ?? 0;
    const isLlm = r.ttft !== null || r.output_tokens !== null;
    if (isLlm) {
      llm.ttftMs = ms(r.ttft);
      llm.tpotMs = ms(r.tpot);
      llm.itlMs = ms(r.itl);
      llm.inputTokens = r.input_tokens ?? undefined;
      llm.outputTokens = r.output_tokens ?? undefined;
      s.llm = llm;
    } else s.llm = undefined;
    s.extra = r.extra && r.extra.length > 2 && declaring.has(s.service) ? (JSON.parse(r.extra) as Record<string, unknown>) : undefined;
    cells.service(s.service).operation(s.operation).record(s);
    counts.set(s.service, (counts.get(s.service) ?? 0) + 1);
  }
  for (const r of services) {
    const seconds = r.window_start !== null && r.window_end !== null ? r.window_end - r.window_start : 0;
    const n = counts.get(r.service_name) ?? 0;
    cells.service(r.service_name).fixed = { dropped: r.dropped ?? 0, achievedRate: seconds > 0 ? n / seconds : undefined };
  }
  return cells;
}
