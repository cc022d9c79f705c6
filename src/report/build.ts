import type Database from 'better-sqlite3';
import { overridesInRecipeText } from '../recipe/overrides.js';
import { generatorReports, type GeneratorReport } from './shards.js';
import { RunError } from '../errors.js';
import { Distribution } from '../metrics/distribution.js';
import type { SliceAggregate } from '../metrics/aggregates/aggregate.js';
import { RunAccumulator, ServiceAccumulator } from '../metrics/aggregates/accumulate.js';
import { loadRunState, saveRunState } from '../metrics/aggregates/saved-state.js';
import { spooledBlocksOf, spooledRows } from '../metrics/spool.js';
import { attachCurve } from './points.js';
import { place, placeFigures, withDeclarations } from './declared.js';
import { buildSweeps } from './sweeps.js';
import { loadOf, ROW_COLUMNS, type StoredLoad } from '../metrics/rows.js';
import type { StoredServiceRow } from '../metrics/store.js';
import { evaluateThresholds, thresholdsFromRecipeText } from './thresholds.js';
import { readClientLoad } from '../metrics/client-load.js';
import { readServerMetrics } from '../metrics/server-metrics.js';
import { serverSideReport } from './server-side.js';
import { clientReport } from './client-load.js';
import type { LoadReport, Report, ServiceReport, SliceReport } from './types.js';

interface RunRow {
  benchmark_id: string;
  name: string | null;
  description: string | null;
  status: string;
  started_at: string;
  ended_at: string | null;
  recipe_file: string | null;
  recipe_text: string | null;
  recipe_hash: string | null;
  aifb_version: string | null;
  git_commit: string | null;
  host: string | null;
  cpu_model: string | null;
  cpu_count: number | null;
  memory_bytes: number | null;
  os: string | null;
  node_version: string | null;
  slurm: string | null;
  command_line: string | null;
}

type ServiceRow = StoredServiceRow;

const round = (v: number, digits = 6) => Number(v.toFixed(digits));
const rate = (n: number, seconds: number | null) => (seconds && seconds > 0 ? round(n / seconds, 3) : 0);

function slice(a: SliceAggregate, windowSeconds: number | null): SliceReport {
  const all = a.latency.summary();
  return {
    requests: {
      total: a.total,
      successful: a.successful,
      failed: a.failed,
      success_rate: a.total ? round((100 * a.successful) / a.total, 3) : null,
    },
    timing: {
      avg_duration: all.mean,
      median_duration: all.p50,
      min_duration: all.min,
      max_duration: all.max,
      std_duration: all.stdev,
    },
    percentiles: { p50: all.p50, p90: all.p90, p95: all.p95, p99: all.p99, p99_9: all.p99_9 },
    latency: { all, successful: a.latencyOk.summary(), failed: a.latencyFailed.summary() },
    service_time: a.serviceTime.summary(),
    schedule_lag: a.scheduleLag.summary(),
    throughput: {
      requests_per_second: rate(a.total, windowSeconds),
      successful_per_second: rate(a.successful, windowSeconds),
      bytes_in_per_second: rate(a.bytesIn, windowSeconds),
      bytes_out_per_second: rate(a.bytesOut, windowSeconds),
    },
    bytes: { in: a.bytesIn, out: a.bytesOut },
    errors: Object.fromEntries([...a.errors].sort((x, y) => y[1] - x[1])),
    error_examples: Object.fromEntries(a.errorExamples),
  };
}

function loadReport(row: ServiceRow | undefined, load: StoredLoad, windowSeconds: number | null): LoadReport {
  const mode = load.mode === 'open' || load.mode === 'closed' ? load.mode : 'unknown';
  const issueSeconds = row && row.window_start !== null && row.issue_end !== null ? row.issue_end - row.window_start : windowSeconds;
  const scheduled = row?.scheduled ?? 0;
  return {
    mode,
    requested_rate: typeof load.rate === 'number' && mode === 'open' ? load.rate : null,
    arrival: typeof load.arrival === 'string' ? load.arrival : null,
    clients: typeof load.clients === 'number' ? load.clients : null,
    stages: Array.isArray(load.stages)
      ? (load.stages as { durationMs: number; target: number }[]).map((st) => ({ duration_seconds: st.durationMs / 1000, target: st.target }))
      : [],
    max_in_flight: typeof load.maxInFlight === 'number' ? load.maxInFlight : null,
    scheduled_starts: scheduled,
    achieved_rate: issueSeconds ? round((scheduled - (row?.dropped ?? 0)) / issueSeconds, 3) : null,
    dropped_starts: row?.dropped ?? 0,
    warmup_requests: row?.warmup_requests ?? 0,
    cancelled: row?.cancelled ?? 0,
    window_seconds: windowSeconds === null ? null : round(windowSeconds),
  };
}

/** Finds the run to report: the given id, or the newest run in the database. */
function findRun(db: Database.Database, benchmarkId?: string): RunRow {
  const row = (
    benchmarkId
      ? db.prepare('SELECT * FROM runs WHERE benchmark_id = ?').get(benchmarkId)
      : db.prepare('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1').get()
  ) as RunRow | undefined;
  if (!row) throw new RunError(benchmarkId ? `no run with id ${benchmarkId} in the database` : 'the database holds no run');
  return row;
}

/**
 * The run's rows, accumulated: `prebuilt` when it holds exactly the rows the database
 * holds for the run, else the state saved as the run went on plus the rows stored after
 * it (saved-state.ts), else one pass over the table.
 * Services come in the order of their stored records, then any that have rows only.
 */
function accumulate(db: Database.Database, id: string, serviceRows: ServiceRow[], prebuilt: RunAccumulator | undefined, save: boolean): Map<string, ServiceAccumulator> {
  const stored = (db.prepare('SELECT COUNT(*) AS n FROM metrics WHERE benchmark_id = ?').get(id) as { n: number }).n;
  const byName = new Map(serviceRows.map((s) => [s.service_name, s]));
  // Rows a run could not move out of its spool (a full disk; metrics/spool.ts) are counted
  // too, in one pass over everything, and no state is saved: it would claim rows of metrics only.
  const spooled = spooledRows(db) > 0;
  const fed = !spooled && prebuilt?.rows === stored ? prebuilt : undefined;
  const loaded = fed || spooled ? undefined : loadRunState(db, id, stored, (name) => byName.get(name));
  let run = fed ?? loaded?.acc;
  if (!run) {
    run = new RunAccumulator((name) => byName.get(name));
    for (const s of serviceRows) run.services.set(s.service_name, new ServiceAccumulator(s));
    const rows = db.prepare(`SELECT ${ROW_COLUMNS.join(', ')} FROM metrics WHERE benchmark_id = ?`).raw().iterate(id) as IterableIterator<unknown[]>;
    for (const r of rows) run.addAt(r, 0);
    if (spooled) for (const block of spooledBlocksOf(db, id)) run.addValues(block);
  }
  // Not when the saved state already held every row; after one plus the rows stored after
  // it, so the next report needs no tail.
  if (save && !spooled && !(loaded && loaded.tailRows === 0)) saveRunState(db, id, run);
  const ordered = new Map<string, ServiceAccumulator>();
  for (const s of serviceRows) ordered.set(s.service_name, run.services.get(s.service_name) ?? new ServiceAccumulator(s));
  for (const [name, a] of run.services) if (!ordered.has(name)) ordered.set(name, a);
  return ordered;
}

/**
 * Builds the report of one run from the metrics database alone, so a run that was
 * interrupted or killed gets the same report as one that finished. With `saveState`
 * (a writable database) its aggregates are saved for later reports of the same rows.
 */
export function buildReport(db: Database.Database, benchmarkId?: string, now = new Date(), prebuilt?: RunAccumulator, saveState = false): Report {
  const run = findRun(db, benchmarkId);
  const id = run.benchmark_id;
  const serviceRows = (db.prepare('SELECT * FROM services WHERE benchmark_id = ? ORDER BY rowid').all(id) as ServiceRow[]).map(withDeclarations);
  const acc = accumulate(db, id, serviceRows, prebuilt, saveState);
  const clientLoad = readClientLoad(db, id);
  const serverMetrics = readServerMetrics(db, id);

  const services: Record<string, ServiceReport> = {};
  const merged = new Distribution();
  let dropped = 0;
  for (const [name, a] of acc) {
    const row = serviceRows.find((s) => s.service_name === name);
    const load = loadOf(row);
    // A run killed before it saved its window still has its samples: use their span.
    const start = row?.window_start ?? (Number.isFinite(a.firstStart) ? a.firstStart : null);
    const end = row?.window_end ?? (Number.isFinite(a.lastEnd) ? a.lastEnd : null);
    const windowSeconds = start !== null && end !== null ? Math.max(0, end - start) : null;
    const counts = [...a.clients.values()];
    const series = a.series.finish(start, end, a.llm.requests > 0);
    const report: ServiceReport = {
      service_type: row?.service_type ?? null,
      backend: row?.backend ?? null,
      status: row?.status === 'running' ? 'partial' : (row?.status ?? 'partial'),
      error: row?.error ?? null,
      load: loadReport(row, load, windowSeconds),
      ...slice(a.all, windowSeconds),
      clients: {
        count: counts.length,
        min_requests: counts.length ? Math.min(...counts) : 0,
        max_requests: counts.length ? Math.max(...counts) : 0,
      },
      operations: Object.fromEntries(
        [...a.ops].map(([op, s]) => {
          const ts = series.operations.get(op);
          return [op, ts ? { ...slice(s, windowSeconds), timeseries: ts } : slice(s, windowSeconds)];
        }),
      ),
      timeseries: series.timeseries,
      histogram: series.histogram,
    };
    const extras = a.extras.report(windowSeconds);
    if (row?.load_phase) report.load_phase = JSON.parse(row.load_phase) as Record<string, unknown>;
    if (extras.goodput) report.goodput = extras.goodput;
    const client = clientLoad.get(name);
    if (client?.length) report.client = clientReport(client, report, run.cpu_count);
    if (a.llm.requests > 0 || extras.tallies.some(([path]) => path.startsWith('llm.'))) {
      report.llm = {
        requests: a.llm.requests,
        ttft: a.llm.ttft.summary(),
        tpot: a.llm.tpot.summary(),
        // Each request's mean gap; a backend that lists every token gap declares a figure that replaces it.
        itl: a.llm.itl.summary(),
        input_tokens: a.llm.inputTokens,
        output_tokens: a.llm.outputTokens,
        output_tokens_per_second: windowSeconds ? rate(a.llm.outputTokens, windowSeconds) : null,
        total_tokens_per_second: windowSeconds ? rate(a.llm.inputTokens + a.llm.outputTokens, windowSeconds) : null,
        tokens_estimated_requests: a.llm.estimated,
      };
    }
    for (const [path, value] of extras.tallies) place(report, path, value);
    // The ITL histogram counts the same token gaps as the table's itl (docs/metrics.md).
    if (report.llm && series.llm) report.llm.histograms = { ...series.llm };
    placeFigures(report, extras.figures);
    if (load.metrics?.length) report.declared_metrics = load.metrics;
    // The knobs each operation ran with, as the backend declared them when the run began.
    attachCurve(report, extras.figures, load.operation_params ?? {});
    const server = serverMetrics.get(name);
    if (server) report.server = serverSideReport(server, report, start);
    services[name] = report;
    merged.merge(a.all.latency);
    dropped += report.load.dropped_starts;
  }

  const list = Object.values(services);
  const total = list.reduce((n, s) => n + s.requests.total, 0);
  const successful = list.reduce((n, s) => n + s.requests.successful, 0);
  const all = merged.summary();
  const partial = run.status !== 'complete' && run.status !== 'failed';
  const sweeps = buildSweeps(db, id, services);
  return {
    benchmark_id: id,
    generated_at: now.toISOString(),
    name: run.name,
    description: run.description,
    status: run.status === 'running' ? 'partial' : run.status,
    partial,
    started_at: run.started_at,
    ended_at: run.ended_at,
    units: { durations: 'seconds', rates: 'per second', sizes: 'bytes' },
    summary: {
      total_requests: total,
      successful_requests: successful,
      failed_requests: total - successful,
      success_rate: total ? round((100 * successful) / total, 3) : null,
      avg_duration: all.mean,
      median_duration: all.p50,
      p99_duration: all.p99,
      dropped_starts: dropped,
      services: list.length,
      services_failed: list.filter((s) => s.status === 'failed').length,
    },
    services,
    sweeps,
    thresholds: evaluateThresholds({ services, sweeps }, thresholdsFromRecipeText(run.recipe_text)),
    ...withGenerators(generatorReports(db, id)),
    provenance: {
      recipe_file: run.recipe_file,
      recipe_hash: run.recipe_hash,
      overrides: overridesInRecipeText(run.recipe_text),
      aifb_version: run.aifb_version,
      git_commit: run.git_commit,
      host: run.host,
      cpu_model: run.cpu_model,
      cpu_count: run.cpu_count,
      memory_bytes: run.memory_bytes,
      os: run.os,
      node_version: run.node_version,
      slurm: run.slurm ? (JSON.parse(run.slurm) as unknown) : {},
      command_line: run.command_line,
    },
  };
}

function withGenerators(g: GeneratorReport[] | undefined): { generators?: GeneratorReport[] } {
  return g ? { generators: g } : {};
}
