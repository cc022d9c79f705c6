/*
 * Just enough of the Prometheus text format (0.0.4) to imitate what vLLM (prometheus_client)
 * and Triton (prometheus-cpp) expose. The simulator cannot depend on the project's metrics
 * registry: it must look like the servers, not like aifb.
 */

type LabelValues = readonly string[];

function labelText(names: readonly string[], values: LabelValues, extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  abstract render(): string;
}

/** A cumulative counter per label set. */
export class Counter extends Metric {
  private readonly values = new Map<string, { labels: LabelValues; value: number }>();
  inc(labels: LabelValues, by = 1): void {
    const key = labels.join('\u0000');
    const e = this.values.get(key);
    if (e) e.value += by;
    else this.values.set(key, { labels, value: by });
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const e of this.values.values()) out += `${this.name}${labelText(this.labelNames, e.labels)} ${num(e.value)}\n`;
    return out;
  }
}

/** A gauge read at scrape time. */
export class Gauge extends Metric {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly read: () => Iterable<[LabelValues, number]>,
  ) {
    super(name, help, labelNames);
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [labels, v] of this.read()) out += `${this.name}${labelText(this.labelNames, labels)} ${num(v)}\n`;
    return out;
  }
}

/** A cumulative histogram with fixed upper bounds (seconds). */
export class Histogram extends Metric {
  private readonly series = new Map<string, { labels: LabelValues; counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  /** Makes a series exist (all zero) before its first observation. */
  touch(labels: LabelValues): void {
    this.entry(labels);
  }
  observe(labels: LabelValues, value: number): void {
    const e = this.entry(labels);
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) e.counts[i]!++;
    e.sum += value;
    e.count++;
  }
  private entry(labels: LabelValues) {
    const key = labels.join('\u0000');
    let e = this.series.get(key);
    if (!e) this.series.set(key, (e = { labels, counts: this.bounds.map(() => 0), sum: 0, count: 0 }));
    return e;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const e of this.series.values()) {
      this.bounds.forEach((b, i) => {
        out += `${this.name}_bucket${labelText(this.labelNames, e.labels, ['le', num(b)])} ${num(e.counts[i]!)}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, e.labels, ['le', '+Inf'])} ${num(e.count)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, e.labels)} ${num(e.count)}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, e.labels)} ${num(e.sum)}\n`;
    }
    return out;
  }
}

// vLLM's bucket bounds (vllm/engine/metrics.py), so dashboards built for vLLM read these.
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];

export interface EngineGauges {
  counts(): Map<string, { running: number; waiting: number }>;
}

/** The vLLM-style (`vllm:*`) and Triton-style (`nv_inference_*`) metrics of one simulator. */
export class SimMetrics {
  readonly promptTokens: Counter;
  readonly generationTokens: Counter;
  readonly requestSuccess: Counter;
  readonly ttft: Histogram;
  readonly itl: Histogram;
  readonly e2e: Histogram;
  readonly nvSuccess: Counter;
  readonly nvFailure: Counter;
  readonly nvCount: Counter;
  readonly nvExecCount: Counter;
  readonly nvRequestUs: Counter;
  readonly nvQueueUs: Counter;
  readonly nvComputeInputUs: Counter;
  readonly nvComputeInferUs: Counter;
  readonly nvComputeOutputUs: Counter;
  private readonly all: Metric[];

  constructor(llmModels: readonly string[], tritonModels: readonly string[], engine: EngineGauges, pending: () => Map<string, number>) {
    const m = ['model_name'];
    const running = new Gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', m, () =>
      llmModels.map((name) => [[name], engine.counts().get(name)?.running ?? 0]),
    );
    const waiting = new Gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', m, () =>
      llmModels.map((name) => [[name], engine.counts().get(name)?.waiting ?? 0]),
    );
    this.promptTokens = new Counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', m);
    this.generationTokens = new Counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', m);
    this.requestSuccess = new Counter('vllm:request_success_total', 'Count of successfully processed requests.', [
      'finished_reason',
      'model_name',
    ]);
    this.ttft = new Histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', m, TTFT_BUCKETS);
    this.itl = new Histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', m, ITL_BUCKETS);
    this.e2e = new Histogram('vllm:e2e_request_latency_seconds', 'Histogram of end to end request latency in seconds.', m, E2E_BUCKETS);
    for (const name of llmModels) {
      this.promptTokens.inc([name], 0);
      this.generationTokens.inc([name], 0);
      this.ttft.touch([name]);
      this.itl.touch([name]);
      this.e2e.touch([name]);
    }

    const t = ['model', 'version'];
    this.nvSuccess = new Counter('nv_inference_request_success', 'Number of successful inference requests, all batch sizes', t);
    this.nvFailure = new Counter('nv_inference_request_failure', 'Number of failed inference requests, all batch sizes', t);
    this.nvCount = new Counter('nv_inference_count', 'Number of inferences performed (does not include cached requests)', t);
    this.nvExecCount = new Counter('nv_inference_exec_count', 'Number of model executions performed (does not include cached requests)', t);
    this.nvRequestUs = new Counter('nv_inference_request_duration_us', 'Cumulative inference request duration in microseconds (includes cached requests)', t);
    this.nvQueueUs = new Counter('nv_inference_queue_duration_us', 'Cumulative inference queuing duration in microseconds (includes cached requests)', t);
    this.nvComputeInputUs = new Counter('nv_inference_compute_input_duration_us', 'Cumulative compute input duration in microseconds (does not include cached requests)', t);
    this.nvComputeInferUs = new Counter('nv_inference_compute_infer_duration_us', 'Cumulative compute inference duration in microseconds (does not include cached requests)', t);
    this.nvComputeOutputUs = new Counter('nv_inference_compute_output_duration_us', 'Cumulative inference compute output duration in microseconds (does not include cached requests)', t);
    const nv = [
      this.nvSuccess,
      this.nvFailure,
      this.nvCount,
      this.nvExecCount,
      this.nvRequestUs,
      this.nvQueueUs,
      this.nvComputeInputUs,
      this.nvComputeInferUs,
      this.nvComputeOutputUs,
    ];
    for (const name of tritonModels) for (const c of nv) c.inc([name, '1'], 0);
    const nvPending = new Gauge('nv_inference_pending_request_count', 'Instantaneous number of pending requests awaiting execution per-model.', t, () =>
      tritonModels.map((name) => [[name, '1'], pending().get(name) ?? 0]),
    );

    this.all = [running, waiting, this.promptTokens, this.generationTokens, this.requestSuccess, this.ttft, this.itl, this.e2e, ...nv, nvPending];
  }

  /** Records one finished Triton request; durations in milliseconds. */
  tritonRequest(model: string, ok: boolean, batch: number, requestMs: number, queueMs: number, computeMs: number): void {
    const l = [model, '1'];
    (ok ? this.nvSuccess : this.nvFailure).inc(l);
    if (!ok) return;
    this.nvCount.inc(l, batch);
    this.nvExecCount.inc(l);
    this.nvRequestUs.inc(l, Math.round(requestMs * 1000));
    this.nvQueueUs.inc(l, Math.round(queueMs * 1000));
    this.nvComputeInferUs.inc(l, Math.round(computeMs * 1000));
  }

  /** The exposition text served at /metrics. */
  render(): string {
    return this.all.map((m) => m.render()).join('');
  }
}
