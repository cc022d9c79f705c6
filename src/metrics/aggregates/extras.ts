import { Distribution, type DistSummary } from '../distribution.js';
import { meetsSlo } from '../slo.js';
import type { Slo } from '../../recipe/types.js';
import { LogHistogram, type BinnedHistogram } from './loghist.js';

/** The per-request details backends leave in `extra` that the report aggregates. */
export interface Extra {
  itl?: [number, number][];
  itl_max_ms?: number;
  e2el_ms?: number;
  ttfb_ms?: number;
  recall?: number;
  session_id?: string;
  turn?: number;
  session_end?: string;
}

/** recall@k of a service's or an operation's searches: mean, worst, and how many were judged. */
export interface RecallSummary {
  mean: number;
  min: number;
  searches: number;
}

/** Running mean and minimum of recall values. */
export class RecallTally {
  private sum = 0;
  private min = Infinity;
  private n = 0;

  add(v: number): void {
    this.sum += v;
    this.min = Math.min(this.min, v);
    this.n++;
  }

  summary(): RecallSummary | undefined {
    return this.n ? { mean: this.sum / this.n, min: this.min, searches: this.n } : undefined;
  }
}

/** Report figures drawn from `extra` and from the recipe's SLOs, for one service. */
export interface ExtrasReport {
  itl?: DistSummary;
  /** The same token gaps binned, for the HTML's ITL histogram and CDF. */
  itlHistogram?: BinnedHistogram;
  e2el?: DistSummary;
  ttfb?: DistSummary;
  recall?: RecallSummary;
  /** Recall per operation (each `search@…` of a parameter sweep apart), for the operation slices and the recall–QPS curve. */
  recallByOperation?: Record<string, RecallSummary>;
  goodput?: { slo: Slo; requests_meeting_slo: number; fraction: number | null; requests_per_second: number | null };
}

/**
 * ITL over every token gap (a `[gap, k]` pair counts k times, docs/metrics.md), LLM e2el,
 * S3 time to first byte, vector recall, and goodput (requests meeting every SLO).
 */
export class ExtrasAggregate {
  private readonly itl = new Distribution();
  /** Created with the first gap; a state saved before it existed has none (its CDF then falls back to per-request means). */
  private itlBins: LogHistogram | undefined;
  private readonly e2el = new Distribution();
  private readonly ttfb = new Distribution();
  private readonly recall = new RecallTally();
  private readonly recallOps = new Map<string, RecallTally>();
  private good = 0;
  private judged = 0;

  constructor(private readonly slo: Slo | undefined) {}

  /** Whether rows of this service need their `extra` parsed at all. */
  static wanted(extraText: string | null): boolean {
    return extraText !== null && extraText.length > 2;
  }

  /** Takes one row of `operation`; returns its parsed extra (undefined when it had none) for other aggregates. */
  add(extraText: string | null, ok: boolean, latencyMs: number, ttftMs: number | null, tpotMs: number | null, operation = 'request'): Extra | undefined {
    let x: Extra | undefined;
    if (ExtrasAggregate.wanted(extraText)) {
      try {
        x = JSON.parse(extraText!) as Extra;
      } catch {
        x = undefined;
      }
    }
    if (x) {
      if (Array.isArray(x.itl)) {
        this.itlBins ??= new LogHistogram();
        for (const [gap, k] of x.itl) {
          this.itl.recordMany(gap, k);
          if (k > 0) this.itlBins.record(gap / 1000, k);
        }
      }
      if (typeof x.e2el_ms === 'number') this.e2el.record(x.e2el_ms);
      if (typeof x.ttfb_ms === 'number') this.ttfb.record(x.ttfb_ms);
      if (typeof x.recall === 'number') {
        this.recall.add(x.recall);
        let op = this.recallOps.get(operation);
        if (!op) this.recallOps.set(operation, (op = new RecallTally()));
        op.add(x.recall);
      }
    }
    if (this.slo) {
      this.judged++;
      if (meetsSlo({ ok, latencyMs, ttftMs, tpotMs, itlMaxMs: x?.itl_max_ms }, this.slo)) this.good++;
    }
    return x;
  }

  report(windowSeconds: number | null): ExtrasReport {
    const out: ExtrasReport = {};
    if (this.itl.count) out.itl = this.itl.summary();
    if (this.itlBins?.count) out.itlHistogram = this.itlBins.binned();
    if (this.e2el.count) out.e2el = this.e2el.summary();
    if (this.ttfb.count) out.ttfb = this.ttfb.summary();
    const recall = this.recall.summary();
    if (recall) {
      out.recall = recall;
      out.recallByOperation = Object.fromEntries([...this.recallOps].map(([op, t]) => [op, t.summary()!]));
    }
    if (this.slo) {
      out.goodput = {
        slo: this.slo,
        requests_meeting_slo: this.good,
        fraction: this.judged ? this.good / this.judged : null,
        requests_per_second: windowSeconds ? Number((this.good / windowSeconds).toFixed(3)) : null,
      };
    }
    return out;
  }
}
