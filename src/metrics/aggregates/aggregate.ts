import { Distribution, type DistSummary } from '../distribution.js';

/** Counts and distributions for one slice of samples (a service, or one operation of it). */
export class SliceAggregate {
  readonly latency = new Distribution();
  readonly latencyOk = new Distribution();
  readonly latencyFailed = new Distribution();
  readonly serviceTime = new Distribution();
  readonly scheduleLag = new Distribution();
  readonly errors = new Map<string, number>();
  readonly errorExamples = new Map<string, string>();
  successful = 0;
  failed = 0;
  bytesIn = 0;
  bytesOut = 0;

  add(latencyMs: number, serviceTimeMs: number, ok: boolean, errorClass: string | null, message: string | null, bytesIn: number, bytesOut: number): void {
    this.latency.record(latencyMs);
    this.serviceTime.record(serviceTimeMs);
    this.scheduleLag.record(Math.max(0, latencyMs - serviceTimeMs));
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    if (ok) {
      this.successful++;
      this.latencyOk.record(latencyMs);
    } else {
      this.failed++;
      this.latencyFailed.record(latencyMs);
      const cls = errorClass ?? 'other';
      this.errors.set(cls, (this.errors.get(cls) ?? 0) + 1);
      if (message && !this.errorExamples.has(cls)) this.errorExamples.set(cls, message);
    }
  }

  get total(): number {
    return this.successful + this.failed;
  }
}

/** Token-level figures for LLM services; empty for the others. */
export class LlmAggregate {
  readonly ttft = new Distribution();
  readonly tpot = new Distribution();
  readonly itl = new Distribution();
  inputTokens = 0;
  outputTokens = 0;
  estimated = 0;
  requests = 0;

  add(ttft: number | null, tpot: number | null, itl: number | null, input: number | null, output: number | null, estimated: number | null): void {
    if (ttft === null && output === null) return;
    this.requests++;
    if (ttft !== null) this.ttft.record(ttft * 1000);
    if (tpot !== null) this.tpot.record(tpot * 1000);
    if (itl !== null) this.itl.record(itl * 1000);
    this.inputTokens += input ?? 0;
    this.outputTokens += output ?? 0;
    if (estimated) this.estimated++;
  }
}

export type { DistSummary };
