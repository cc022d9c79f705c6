import type { Rng } from '../../util/rng.js';
import type { TensorModel } from './options.js';

/** Queue and compute time of one execution, in milliseconds. */
export interface Execution {
  queueMs: number;
  computeMs: number;
}

interface Job {
  batch: number;
  enqueuedAt: number;
  resolve: (e: Execution) => void;
  reject: (err: Error) => void;
}

/**
 * Runs tensor-model executions like a Triton model with `instance_count` instances: at most
 * that many at once, the rest in a FIFO queue (no dynamic batching across requests).
 */
class Executor {
  private readonly queue: Job[] = [];
  private busy = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly model: TensorModel,
    private readonly rng: Rng,
    private readonly jitter: number,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  run(batch: number): Promise<Execution> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, enqueuedAt: performance.now(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.busy < this.model.instance_count && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.busy++;
      const start = performance.now();
      const z = Math.max(-3, Math.min(3, this.rng.normal()));
      const ms = this.model.compute_ms * (1 + this.model.batch_slowdown * (job.batch - 1)) * Math.max(0, 1 + this.jitter * z);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.busy--;
        job.resolve({ queueMs: start - job.enqueuedAt, computeMs: performance.now() - start });
        this.pump();
      }, ms);
      this.timers.add(timer);
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const job of this.queue.splice(0)) job.reject(new Error('simulator closed'));
  }
}

/** One executor per tensor model. */
export class TensorExecutors {
  private readonly executors = new Map<string, Executor>();

  constructor(models: readonly TensorModel[], rng: Rng, jitter: number) {
    for (const m of models) this.executors.set(m.name, new Executor(m, rng.fork(m.name), jitter));
  }

  run(model: string, batch: number): Promise<Execution> {
    const e = this.executors.get(model);
    if (!e) return Promise.reject(new Error(`no executor for ${model}`));
    return e.run(batch);
  }

  /** Requests waiting for an instance, per model. */
  pending(): Map<string, number> {
    return new Map([...this.executors].map(([name, e]) => [name, e.pending]));
  }

  close(): void {
    for (const e of this.executors.values()) e.close();
  }
}
