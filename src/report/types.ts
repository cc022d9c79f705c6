import type { DistSummary } from '../metrics/distribution.js';
import type { MetricDeclaration } from '../metrics/declaration.js';
import type { MetricUnit } from '../recipe/thresholds.js';
import type { BinnedHistogram } from '../metrics/aggregates/loghist.js';
import type { RecallSummary } from '../metrics/aggregates/extras.js';
import type { Timeseries } from '../metrics/aggregates/timeseries.js';
import type { ServerSideReport } from './server-side-types.js';

export type { BinnedHistogram, RecallSummary, ServerSideReport, Timeseries };

/** Per-service latency summary in the seed's shape (seconds). */
export interface Timing {
  avg_duration: number | null;
  median_duration: number | null;
  min_duration: number | null;
  max_duration: number | null;
  std_duration: number | null;
}

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p99_9: number | null;
}

export interface Throughput {
  requests_per_second: number;
  successful_per_second: number;
  bytes_in_per_second: number;
  bytes_out_per_second: number;
}

export interface SliceReport {
  requests: { total: number; successful: number; failed: number; success_rate: number | null };
  timing: Timing;
  percentiles: Percentiles;
  latency: { all: DistSummary; successful: DistSummary; failed: DistSummary };
  service_time: DistSummary;
  schedule_lag: DistSummary;
  throughput: Throughput;
  bytes: { in: number; out: number };
  errors: Record<string, number>;
  error_examples: Record<string, string>;
  /** Per operation only when a service has several (the service's own otherwise). */
  timeseries?: Timeseries;
  /** Vector searches of this operation: recall@k against the ground truth (per operation only). */
  recall?: RecallSummary;
  /** Figures the backend declared with no place of their own in this shape, by name (per operation when declared so). */
  metrics?: Record<string, unknown>;
}

export interface LoadReport {
  mode: 'open' | 'closed' | 'unknown';
  requested_rate: number | null;
  arrival: string | null;
  clients: number | null;
  /** Ramps: each stage's length (seconds) and the level reached at its end. */
  stages: { duration_seconds: number; target: number }[];
  max_in_flight: number | null;
  scheduled_starts: number;
  achieved_rate: number | null;
  dropped_starts: number;
  warmup_requests: number;
  cancelled: number;
  window_seconds: number | null;
}

/** How hard aifb's own thread(s) worked for a service (report/client-load.ts; docs/metrics.md). */
export interface ClientReport {
  /** Where the load ran: the run's main thread, threads of its own, or generator processes. */
  threads: 'main' | 'service' | 'process';
  /** The busiest generator's event-loop utilisation without polling turns (0–1). */
  event_loop_busy: number | null;
  event_loop_delay_p99_ms: number | null;
  cpu_seconds: number | null;
  schedule_lag_p99_ms: number | null;
  /** The client, not the service, set the pace; `verdict` says so in words. */
  saturated: boolean;
  verdict: string | null;
  generators: {
    generator: number;
    thread: string;
    event_loop_utilization: number | null;
    event_loop_busy: number | null;
    delay_p50_ms: number | null;
    delay_p99_ms: number | null;
    delay_max_ms: number | null;
    cpu_seconds: number | null;
    cpu_scope: string;
    /** CPU seconds per second of load: 1 is a whole core. */
    cpu_share: number | null;
    schedule_lag_p99_ms: number | null;
    requests: number;
    wall_seconds: number | null;
  }[];
}

export interface ServiceReport extends SliceReport {
  service_type: string | null;
  backend: string | null;
  status: string;
  error: string | null;
  load: LoadReport;
  clients: { count: number; min_requests: number; max_requests: number };
  operations: Record<string, SliceReport>;
  /** The measured window over time (bucketed). */
  timeseries: Timeseries;
  /** Latency (from intended start) in log-spaced bins, for histograms and CDFs. */
  histogram: BinnedHistogram;
  /** Curves a backend or a sweep adds (recall–QPS, latency against offered load, …). */
  points?: PointSet[];
  /** What setup loaded before the window (PostgreSQL rows, vectors): sizes, seconds, rate. */
  load_phase?: Record<string, unknown>;
  /**
   * The figures the backend declared (name, kind, unit, where the report shows each), as
   * stored with the run: thresholds and `aifb compare` find them here by kind, not by name.
   */
  declared_metrics?: MetricDeclaration[];
  /** S3 GETs: time to first byte. */
  ttfb?: DistSummary;
  /** Vector searches: recall@k against the ground truth, over every search of the service. */
  recall?: RecallSummary;
  /** Vector services: one recall–QPS point per search operation (per `search_params` entry), ordered by its knobs. */
  recall_qps?: RecallQpsPoint[];
  /** aifb's own load while it drove this service, and whether it was the bottleneck. */
  client?: ClientReport;
  /** The server's own metrics, scraped while the load ran (report/server-side.ts). */
  server?: ServerSideReport;
  /** Requests that met every SLO of the recipe (`slo:`), and their rate over the window. */
  goodput?: { slo: import('../recipe/types.js').Slo; requests_meeting_slo: number; fraction: number | null; requests_per_second: number | null };
  llm?: {
    requests: number;
    ttft: DistSummary;
    e2el?: DistSummary;
    tpot: DistSummary;
    itl: DistSummary;
    input_tokens: number;
    output_tokens: number;
    output_tokens_per_second: number | null;
    total_tokens_per_second: number | null;
    tokens_estimated_requests: number;
    /** Requests per source of their input and output counts: `server` (usage), `tokenizer` (the recipe's), `estimate` (docs/metrics.md). */
    token_sources?: Record<string, Record<string, number>>;
    /** Of `itl_gaps` token gaps, those of 0 ms because their chunk came in the same socket read as the previous one (docs/metrics.md). */
    itl_coarrived_gaps?: number;
    itl_gaps?: number;
    histograms?: { ttft: BinnedHistogram; tpot: BinnedHistogram; itl: BinnedHistogram };
    /** Chat sessions: per-turn-position figures (docs/metrics.md). */
    sessions?: import('../metrics/aggregates/tallies.js').SessionsReport;
  };
}

/** One threshold judged on the final data. */
export interface ThresholdResult {
  service: string;
  /** null for the service as a whole. */
  operation: string | null;
  metric: string;
  /** As written in the recipe, e.g. "<500". */
  condition: string;
  /** In the metric's unit (ms, fraction 0–1, per second, count); null when there was no data. */
  actual: number | null;
  unit: MetricUnit;
  pass: boolean;
  note?: string;
}

export interface ThresholdReport {
  defined: number;
  passed: number;
  failed: number;
  results: ThresholdResult[];
}

/** The report: a superset of the seed's Listing 3.3 (names kept, fields added). */
export interface Report {
  benchmark_id: string;
  generated_at: string;
  name: string | null;
  description: string | null;
  status: string;
  partial: boolean;
  started_at: string | null;
  ended_at: string | null;
  units: { durations: 'seconds'; rates: 'per second'; sizes: 'bytes' };
  summary: {
    total_requests: number;
    successful_requests: number;
    failed_requests: number;
    success_rate: number | null;
    avg_duration: number | null;
    median_duration: number | null;
    p99_duration: number | null;
    dropped_starts: number;
    services: number;
    services_failed: number;
  };
  services: Record<string, ServiceReport>;
  /** Sweeps and searches (`load.sweep`, `load.search`): their steps are services above. */
  sweeps: Record<string, SweepReport>;
  /** The recipe's thresholds judged on this data (read from the stored recipe). */
  thresholds: ThresholdReport;
  /** Load generators whose shards make this run (generators: N), with their nodes; absent for one process. */
  generators?: import('./shards.js').GeneratorReport[];
  provenance: Record<string, unknown>;
}

/**
 * Curves that are not time series: recall against QPS, latency and goodput against
 * offered load. A backend or a sweep only has to put PointSets in the report's
 * `services.<name>.points`; the HTML report draws whatever it finds there.
 */
export interface PointSet {
  id: string;
  title: string;
  x: { label: string; log?: boolean };
  y: { label: string; log?: boolean };
  series: { name: string; points: [number, number][] }[];
  /** A marked point, e.g. where latency starts to climb. */
  knee?: { x: number; y: number; label: string };
}

/**
 * One point of a recall–QPS curve: one search operation of a vector service, i.e. one
 * entry of `search_params` (`search@ef_search=64`) or the plain `search` (the service's
 * own settings, params `{}`). Latencies in seconds.
 */
export interface RecallQpsPoint {
  operation: string;
  params: Record<string, number>;
  recall: number;
  recall_min: number;
  searches: number;
  /** The point's queries per second; how it was obtained is `qps_basis` (docs/vectordb.md). */
  qps: number;
  /**
   * `measured`: the operation ran alone, qps is its successful searches / window.
   * `closed-loop estimate`: it shared a closed loop with other operations; qps is what the
   * clients would complete running only it at its measured latency (clients / (its mean
   * latency + the loop's per-request gap)). `share of the mix`: it shared an open loop;
   * qps is its measured share of the offered rate, not a capacity.
   */
  qps_basis: 'measured' | 'closed-loop estimate' | 'share of the mix';
  /** Successful searches of this operation / measured window, as measured (its share when operations share the run). */
  throughput: number;
  mean_latency: number | null;
  p99: number | null;
}

/** One group of steps (a sweep or a search) as the report shows it. */
export interface SweepReport {
  kind: 'sweep' | 'search';
  variable: 'rate' | 'clients';
  /** search: the highest rate at which `target` of the requests met every SLO (null: none did). */
  best_rate: number | null;
  target: number | null;
  steps: {
    value: number;
    service: string;
    passed: boolean | null;
    achieved_rate: number | null;
    throughput: number;
    /** Successful requests per second (throughput counts failures too). */
    successful_rps: number;
    goodput_rps: number | null;
    p50: number | null;
    p99: number | null;
    error_rate: number | null;
  }[];
  points: PointSet[];
}
