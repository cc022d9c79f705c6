import { Counter, Gauge, Histogram, Registry, type LabelValues } from 'prom-client';
import {
  ITL_BUCKETS,
  LATENCY_BUCKETS,
  STATUS_VALUES,
  TTFT_BUCKETS,
  type BenchmarkCells,
  type HistogramCell,
  type OperationCell,
  type ServiceCell,
} from './cells.js';

/** Label names used anywhere in the registry; none of them identifies a single request. */
export const LABEL_NAMES = ['benchmark_id', 'service', 'operation', 'status'] as const;
type Label = (typeof LABEL_NAMES)[number];

const OP_LABELS = ['benchmark_id', 'service', 'operation'] as const;
const STATUS_LABELS = ['benchmark_id', 'service', 'operation', 'status'] as const;
const SERVICE_LABELS = ['benchmark_id', 'service'] as const;

type Emit = (labels: LabelValues<Label>, value: number) => void;
type HistogramEmit = (labels: LabelValues<Label>, cell: HistogramCell) => void;

/**
 * A prom-client Histogram whose series come from HistogramCells: the run bumps plain
 * numbers, and the exposition text is built only when something scrapes or pushes.
 * (prom-client's own observe() hashes the label set on every call.)
 */
class CellHistogram extends Histogram<Label> {
  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    labelNames: readonly Label[],
    private readonly bounds: readonly number[],
    private readonly each: (emit: HistogramEmit) => void,
    registry: Registry,
  ) {
    super({ name: metricName, help: helpText, labelNames, buckets: [...bounds], registers: [registry] });
  }

  /** The shape prom-client's registry formats: cumulative `_bucket`s, `_sum`, `_count`. */
  private values() {
    const values: { labels: LabelValues<string>; value: number; metricName: string }[] = [];
    this.each((labels, cell) => {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += cell.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.metricName}_bucket` });
      }
      values.push({ labels, value: cell.sum, metricName: `${this.metricName}_sum` });
      values.push({ labels, value: cell.count, metricName: `${this.metricName}_count` });
    });
    return { name: this.metricName, help: this.helpText, type: 'histogram', aggregator: 'sum', values };
  }

  override async get() {
    return this.values() as unknown as Awaited<ReturnType<Histogram<Label>['get']>>;
  }

  /** The registry prefers this over get() when it renders text. */
  async getForPromString() {
    return this.values();
  }
}

function counter(registry: Registry, name: string, help: string, labelNames: readonly Label[], each: (emit: Emit) => void) {
  return new Counter<Label>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, value) => this.inc(labels, value));
    },
  });
}

function gauge(registry: Registry, name: string, help: string, labelNames: readonly Label[], each: (emit: Emit) => void) {
  return new Gauge<Label>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, value) => this.set(labels, value));
    },
  });
}

/**
 * The benchmark's own prom-client Registry (never the global one, so two runs in one
 * process cannot mix). Names of the seed are kept; docs/monitoring.md lists them all.
 * `now` is the engine clock, for the achieved rate of services still running.
 */
export function createBenchmarkRegistry(cells: BenchmarkCells, now: () => number): Registry {
  const registry = new Registry();
  const ops = (fn: (op: OperationCell, emit: Emit) => void) => (emit: Emit) => {
    for (const op of cells.operations()) fn(op, emit);
  };
  const byStatus = (emit: Emit, op: OperationCell) => {
    for (let i = 1; i < STATUS_VALUES.length; i++) {
      const n = op.failed[i]!;
      if (n > 0) emit({ ...op.labels, status: STATUS_VALUES[i]! }, n);
    }
  };

  counter(registry, 'benchmark_requests_total', 'Measured requests completed (warm-up excluded).', OP_LABELS, ops((op, emit) => emit(op.labels, op.requests)));
  counter(registry, 'benchmark_requests_successful', 'Measured requests that succeeded.', OP_LABELS, ops((op, emit) => emit(op.labels, op.successful)));
  counter(registry, 'benchmark_requests_failed', 'Measured requests that failed, by error class (status).', STATUS_LABELS, ops((op, emit) => byStatus(emit, op)));
  const histogram = (name: string, help: string, bounds: readonly number[], pick: (op: OperationCell) => HistogramCell | undefined) =>
    new CellHistogram(name, help, OP_LABELS, bounds, (emit) => {
      for (const op of cells.operations()) {
        const cell = pick(op);
        if (cell) emit(op.labels, cell);
      }
    }, registry);

  new CellHistogram(
    'benchmark_request_duration_seconds',
    'Request latency from the intended start (no coordinated omission), by status (ok or error class).',
    STATUS_LABELS,
    LATENCY_BUCKETS,
    (emit) => {
      for (const op of cells.operations()) {
        op.latency.forEach((cell, i) => cell && emit({ ...op.labels, status: STATUS_VALUES[i]! }, cell));
      }
    },
    registry,
  );
  counter(registry, 'benchmark_response_bytes_total', 'Bytes received from the service (the seed\'s response_size).', OP_LABELS, ops((op, emit) => emit(op.labels, op.responseBytes)));
  counter(registry, 'benchmark_request_bytes_total', 'Bytes sent to the service.', OP_LABELS, ops((op, emit) => emit(op.labels, op.requestBytes)));

  histogram('benchmark_llm_ttft_seconds', 'LLM time to first token, successful requests.', TTFT_BUCKETS, (op) => op.ttft);
  histogram('benchmark_llm_itl_seconds', 'LLM mean inter-token latency per request, successful requests.', ITL_BUCKETS, (op) => op.itl);
  histogram('benchmark_llm_tpot_seconds', 'LLM time per output token after the first, successful requests.', ITL_BUCKETS, (op) => op.tpot);
  const llmOps = (field: 'inputTokens' | 'outputTokens') =>
    ops((op, emit) => {
      if (op.ttft || op[field] > 0) emit(op.labels, op[field]);
    });
  counter(registry, 'benchmark_llm_output_tokens_total', 'LLM output tokens of successful requests.', OP_LABELS, llmOps('outputTokens'));
  counter(registry, 'benchmark_llm_input_tokens_total', 'LLM prompt tokens of successful requests.', OP_LABELS, llmOps('inputTokens'));

  const services = (fn: (svc: ServiceCell, emit: Emit) => void) => (emit: Emit) => {
    for (const svc of cells.services.values()) fn(svc, emit);
  };
  gauge(registry, 'benchmark_requests_in_flight', 'Requests started and not yet finished.', SERVICE_LABELS, services((svc, emit) => emit(svc.labels, svc.live?.inFlight ?? 0)));
  counter(registry, 'benchmark_dropped_starts_total', 'Open-loop starts that could not be made (max in-flight reached).', SERVICE_LABELS, services((svc, emit) => emit(svc.labels, svc.dropped())));
  gauge(registry, 'benchmark_achieved_requests_per_second', 'Measured completions per second of the measured window so far.', SERVICE_LABELS, services((svc, emit) => {
    const rate = svc.achievedRate(now());
    if (rate !== undefined) emit(svc.labels, rate);
  }));
  gauge(registry, 'benchmark_latency_slo_seconds', 'The p95 latency objective of the service, when one is set.', SERVICE_LABELS, services((svc, emit) => {
    if (svc.latencySlo !== undefined) emit(svc.labels, svc.latencySlo);
  }));
  gauge(registry, 'benchmark_running', '1 while the benchmark runs, 0 once it has finished.', ['benchmark_id'], (emit) =>
    emit({ benchmark_id: cells.benchmarkId }, cells.running ? 1 : 0),
  );
  return registry;
}
