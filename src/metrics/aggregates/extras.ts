import { meetsSlo } from '../slo.js';
import type { Slo } from '../../recipe/types.js';
import { countsOutcome, type MetricDeclaration } from '../declaration.js';
import { addTo, newTally, summaryOf, type Tally } from './declared-tally.js';
import { LogHistogram, type BinnedHistogram } from './loghist.js';

/** A request's `extra` as stored: the declared figures, and whatever else the backend kept (sessions). */
export type Extra = Record<string, unknown>;

export { RateTally, type RateSummary } from './declared-tally.js';

/** How many requests took their input and their output token counts from each source (server, tokenizer, estimate). */
export interface TokenSources {
  input: Record<string, number>;
  output: Record<string, number>;
}

/** recall@k of a service's or an operation's searches, as the report shows it (a rate counted as `searches`). */
export type RecallSummary = { mean: number; min: number; searches: number };

/** One declared metric's figures over a service, and per operation where it is declared so. */
export interface DeclaredFigure {
  declaration: MetricDeclaration;
  /** A DistSummary (trend), a RateSummary with its count named as declared (rate), or a sum (counter). */
  value: unknown;
  histogram?: BinnedHistogram;
  byOperation?: Record<string, unknown>;
}

/** Report figures drawn from `extra` (as the backend declared them) and from the recipe's SLOs, for one service. */
export interface ExtrasReport {
  figures: DeclaredFigure[];
  goodput?: { slo: Slo; requests_meeting_slo: number; fraction: number | null; requests_per_second: number | null };
  tokenSources?: TokenSources;
  /** Token gaps of 0 because their chunk came in the same read as the one before, of all the gaps listed. */
  itlCoArrived?: { coarrived: number; gaps: number };
}

/**
 * Whatever figures the service's backend declared (contract.ts MetricDeclaration), summed
 * up by kind from each request's `extra`, and goodput (requests meeting every SLO).
 */
export class ExtrasAggregate {
  private readonly tallies: Tally[];
  /** Per operation, for declarations with perOperation. */
  private readonly byOp: Map<string, Tally>[];
  /** Created with a trend's first values when it is binned; a state saved before has none. */
  private readonly bins: (LogHistogram | undefined)[];
  private good = 0;
  private judged = 0;
  /** Absent in states saved before they existed. LLM bookkeeping not yet expressible as a declaration (issue 18). */
  private tokenSources: TokenSources | undefined;
  private itlCoArrived: { coarrived: number; gaps: number } | undefined;

  constructor(
    private readonly slo: Slo | undefined,
    private readonly declared: readonly MetricDeclaration[] = [],
  ) {
    this.tallies = declared.map((d) => newTally(d.kind));
    this.byOp = declared.map(() => new Map());
    this.bins = declared.map(() => undefined);
  }

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
      this.declared.forEach((d, i) => {
        const v = x![d.name];
        if (v === undefined || !countsOutcome(d, ok) || !addTo(this.tallies[i]!, v)) return;
        if (d.perOperation) {
          const ops = this.byOp[i]!;
          let t = ops.get(operation);
          if (!t) ops.set(operation, (t = newTally(d.kind)));
          addTo(t, v);
        }
        if (d.histogramAs && d.kind === 'trend') {
          const bins = (this.bins[i] ??= new LogHistogram());
          // Binned in seconds, as the report's other histograms.
          if (typeof v === 'number') bins.record(v / 1000, 1);
          else for (const [gap, k] of v as [number, number][]) if (k > 0) bins.record(gap / 1000, k);
        }
      });
    }
    if (x) this.llmBookkeeping(x);
    if (this.slo) {
      this.judged++;
      const itlMaxMs = typeof x?.itl_max_ms === 'number' ? x.itl_max_ms : undefined;
      if (meetsSlo({ ok, latencyMs, ttftMs, tpotMs, itlMaxMs }, this.slo)) this.good++;
    }
    return x;
  }

  /** Token-count sources and co-arrived token gaps of LLM backends (common/result.ts). */
  private llmBookkeeping(x: Extra): void {
    if (Array.isArray(x.itl)) {
      const c = (this.itlCoArrived ??= { coarrived: 0, gaps: 0 });
      c.coarrived += typeof x.itl_coarrived === 'number' ? x.itl_coarrived : 0;
      for (const [, k] of x.itl as [number, number][]) c.gaps += k;
    }
    const from = x.tokens_from as { input?: unknown; output?: unknown } | undefined;
    if (from && typeof from === 'object') {
      const t = (this.tokenSources ??= { input: {}, output: {} });
      if (typeof from.input === 'string') t.input[from.input] = (t.input[from.input] ?? 0) + 1;
      if (typeof from.output === 'string') t.output[from.output] = (t.output[from.output] ?? 0) + 1;
    }
  }

  report(windowSeconds: number | null): ExtrasReport {
    const figures: DeclaredFigure[] = [];
    this.declared.forEach((d, i) => {
      const value = summaryOf(this.tallies[i]!, d);
      if (value === undefined || value === 0) return;
      const f: DeclaredFigure = { declaration: d, value };
      const bins = this.bins[i];
      if (bins?.count) f.histogram = bins.binned();
      if (d.perOperation) f.byOperation = Object.fromEntries([...this.byOp[i]!].map(([op, t]) => [op, summaryOf(t, d)]));
      figures.push(f);
    });
    const out: ExtrasReport = { figures };
    if (this.tokenSources) out.tokenSources = this.tokenSources;
    if (this.itlCoArrived?.gaps) out.itlCoArrived = this.itlCoArrived;
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
