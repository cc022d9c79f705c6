import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRng, type Rng } from '../../util/rng.js';
import { monotonicOffsetMs } from '../../util/clock.js';
import { Engine } from './engine.js';
import type { LlmSimOptions } from './options.js';
import { SimMetrics } from './metrics.js';
import { TruthStore, type SimProtocol, type TruthRecord } from './truth.js';
import { TensorExecutors } from './tensor.js';

/** Counters served at /sim/stats. */
export interface SimStats {
  requests_total: number;
  by_protocol: Partial<Record<SimProtocol, number>>;
  completed: number;
  rejected: number;
  injected_errors: number;
  midstream_errors: number;
  malformed_lines: number;
  client_aborts: number;
  prompt_tokens: number;
  generation_tokens: number;
}

/** One request's identity, random stream and truth record. */
export interface RequestContext {
  id: string;
  rng: Rng;
  record: TruthRecord;
}

/** A request's receive time, stamped when its headers arrive. */
export const RECEIVED_AT = Symbol('receivedAt');
export type TimedRequest = IncomingMessage & { [RECEIVED_AT]?: number };

/** The state one simulator's handlers share. */
export class SimState {
  readonly engine: Engine;
  readonly truth: TruthStore;
  readonly metrics: SimMetrics;
  readonly tensors: TensorExecutors;
  readonly stats: SimStats = {
    requests_total: 0,
    by_protocol: {},
    completed: 0,
    rejected: 0,
    injected_errors: 0,
    midstream_errors: 0,
    malformed_lines: 0,
    client_aborts: 0,
    prompt_tokens: 0,
    generation_tokens: 0,
  };
  readonly startedAt = Date.now();
  /** performance.now() → CLOCK_MONOTONIC, measured once (the two clocks do not drift). */
  private readonly monoOffset = monotonicOffsetMs();
  private readonly root: Rng;
  private readonly instance = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(readonly options: LlmSimOptions) {
    this.root = createRng(options.seed);
    this.engine = new Engine(options, this.root.fork('engine'));
    this.truth = new TruthStore(options.truth_capacity);
    this.tensors = new TensorExecutors(options.tensor_models, this.root.fork('tensor'), options.jitter);
    const tritonModels = [...options.models, ...options.tensor_models.map((t) => t.name)];
    this.metrics = new SimMetrics(options.models, tritonModels, this.engine, () => this.tensors.pending());
  }

  /**
   * Gives a request its id (sent back as `x-sim-request-id`), its own random stream (the
   * n-th request draws the same numbers whatever the timing) and a truth record.
   */
  begin(protocol: SimProtocol, req: TimedRequest, res: ServerResponse, model: string, stream: boolean): RequestContext {
    const n = ++this.seq;
    const id = `${this.instance}${n.toString(16).padStart(8, '0')}`;
    res.setHeader('x-sim-request-id', id);
    const record: TruthRecord = {
      id,
      protocol,
      model,
      stream,
      outcome: 'in_progress',
      time_origin_unix_ms: performance.timeOrigin,
      monotonic_offset_ms: this.monoOffset,
      received_ms: req[RECEIVED_AT] ?? performance.now(),
      chunks: [],
      prompt_tokens: 0,
      output_tokens: 0,
    };
    this.truth.add(record);
    this.stats.requests_total++;
    this.stats.by_protocol[protocol] = (this.stats.by_protocol[protocol] ?? 0) + 1;
    return { id, rng: this.root.fork(n), record };
  }

  /** Notes a 4xx refusal in the truth record. */
  rejected(rc: RequestContext, status: number): void {
    rc.record.outcome = 'rejected';
    rc.record.status = status;
    rc.record.end_ms = performance.now();
    this.stats.rejected++;
  }

  /** Draws the error_rate failure for a request; true means "answer 500 now". */
  injectError(rc: RequestContext): boolean {
    if (!(rc.rng.next() < this.options.error_rate)) return false;
    rc.record.outcome = 'injected_error';
    rc.record.status = 500;
    rc.record.end_ms = performance.now();
    this.stats.injected_errors++;
    return true;
  }

  /** Counts what /sim/stats reports about the engine right now. */
  snapshot(): SimStats & { running: number; waiting: number; engine_steps: number; uptime_s: number } {
    let running = 0;
    let waiting = 0;
    for (const c of this.engine.counts().values()) {
      running += c.running;
      waiting += c.waiting;
    }
    return {
      ...this.stats,
      by_protocol: { ...this.stats.by_protocol },
      running,
      waiting,
      engine_steps: this.engine.steps,
      uptime_s: (Date.now() - this.startedAt) / 1000,
    };
  }

  close(): void {
    this.engine.close();
    this.tensors.close();
  }
}
