import { Registry } from 'prom-client';
import { CellHistogram, counter, gauge, OP_LABELS, SERVICE_LABELS, STATUS_LABELS, type Emit } from './prom-metrics.js';
import { registerDeclared } from './declared.js';
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

export { LABEL_NAMES } from './prom-metrics.js';

/**
 * The benchmark's own prom-client Registry (never the global one, so two runs in one
 * process cannot mix). Names of the seed are kept; docs/monitoring.md lists them all.
 * `now` is the engine clock, for the achieved rate of services still running. The
 * metrics backends declare are added as services declare them (declared.ts).
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
  for (const d of cells.declared.values()) registerDeclared(registry, cells, d);
  cells.onDeclared = (d) => registerDeclared(registry, cells, d);
  return registry;
}
