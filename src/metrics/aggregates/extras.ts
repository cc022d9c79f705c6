import { itlJudgedBy, largestJudged, meetsSlo } from '../slo.js';
import type { Slo } from '../../recipe/types.js';
import { countsOutcome, type MetricDeclaration, type TallyDeclaration } from '../declaration.js';
import { addTo, newTally, summaryOf, type Tally } from './declared-tally.js';
import { LogHistogram, type BinnedHistogram } from './loghist.js';
import { tallyAggregate, type Placed } from './tallies.js';

/** A request's `extra` as stored: the declared figures, and whatever else the backend kept (sessions). */
export type Extra = Record<string, unknown>;

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
  /** The declared tallies' figures, by the path each goes to. */
  tallies: Placed;
  goodput?: { slo: Slo; requests_meeting_slo: number; fraction: number | null; requests_per_second: number | null };
}

/**
 * Whatever figures and tallies the service's backend declared (MetricDeclaration,
 * TallyDeclaration), summed up by kind from each request's `extra`, and goodput
 * (requests meeting every SLO).
 */
export class ExtrasAggregate {
  private readonly tallies: Tally[];
  /** Per operation, for declarations with perOperation. */
  private readonly byOp: Map<string, Tally>[];
  /** Created with a trend's first values when it is binned. */
  private readonly bins: (LogHistogram | undefined)[];
  private readonly kept: ReturnType<typeof tallyAggregate>[];
  private good = 0;
  private judged = 0;
  /** The declared trend whose largest per-request value the `itl_ms` SLO judges. */
  private readonly itlFrom: string | undefined;

  constructor(
    private readonly slo: Slo | undefined,
    private readonly declared: readonly MetricDeclaration[] = [],
    tallies: readonly TallyDeclaration[] = [],
  ) {
    this.kept = tallies.map(tallyAggregate);
    this.itlFrom = itlJudgedBy(declared);
    this.tallies = declared.map((d) => newTally(d.kind));
    this.byOp = declared.map(() => new Map());
    this.bins = declared.map(() => undefined);
  }

  /** Whether rows of this service need their `extra` parsed at all. */
  static wanted(extraText: string | null): boolean {
    return extraText !== null && extraText.length > 2;
  }

  /** Takes one row of `operation`; returns its parsed extra (undefined when it had none) for other aggregates. */
  add(extraText: string | null, ok: boolean, latencyMs: number, ttftMs: number | null, tpotMs: number | null, operation = 'request', inputTokens: number | null = null): Extra | undefined {
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
    if (x) for (const t of this.kept) t.add(x, { ok, ttftMs, inputTokens });
    if (this.slo) {
      this.judged++;
      const itlMaxMs = largestJudged(x, this.itlFrom);
      if (meetsSlo({ ok, latencyMs, ttftMs, tpotMs, itlMaxMs }, this.slo)) this.good++;
    }
    return x;
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
    const out: ExtrasReport = { figures, tallies: this.kept.flatMap((t) => t.report()) };
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
