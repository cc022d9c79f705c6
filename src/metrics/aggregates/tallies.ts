import { Distribution, type DistSummary } from '../distribution.js';
import type { SessionsTally, ShareTally, SourcesTally, TallyDeclaration } from '../declaration.js';

/** Figures of the requests at one position of their session. */
export interface TurnReport {
  /** 1-based position in the session. */
  turn: number;
  requests: number;
  failed: number;
  /** Time to first token of this position's successful requests (seconds). */
  ttft: DistSummary;
  /** Input tokens (the whole conversation so far) per request at this position. */
  input_tokens: { mean: number | null; min: number | null; max: number | null };
}

/** Sessions seen in the measured window (docs/metrics.md, "Chat sessions"). */
export interface SessionsReport {
  /** Distinct sessions with at least one measured turn. */
  sessions: number;
  /** Sessions whose last turn in the window ended them, by reason (the declaration's `ends`). */
  ended: Record<string, number>;
  turns: TurnReport[];
}

/** What a tally sees of a request beside its `extra`. */
type TallyRow = { ok: boolean; ttftMs: number | null; inputTokens: number | null };

/** A tally's figures as the report places them: values by path. */
export type Placed = [path: string, value: unknown][];

/** Requests counted by source, per key of the declared object. */
export class SourcesCount {
  private counts: Record<string, Record<string, number>> | undefined;

  constructor(private readonly d: SourcesTally) {}

  add(x: Record<string, unknown>): void {
    const from = x[this.d.name] as Record<string, unknown> | undefined;
    if (!from || typeof from !== 'object') return;
    const c = (this.counts ??= Object.fromEntries(this.d.keys.map((k) => [k, {} as Record<string, number>])));
    for (const k of this.d.keys) {
      const v = from[k];
      if (typeof v === 'string') c[k]![v] = (c[k]![v] ?? 0) + 1;
    }
  }

  report(): Placed {
    return this.counts ? [[this.d.reportAs, this.counts]] : [];
  }
}

/** A count out of a trend's values. */
export class ShareCount {
  private part = 0;
  private whole = 0;

  constructor(private readonly d: ShareTally) {}

  add(x: Record<string, unknown>): void {
    const of = x[this.d.of];
    if (!Array.isArray(of)) return;
    const part = x[this.d.name];
    if (typeof part === 'number') this.part += part;
    for (const [, k] of of as [number, number][]) this.whole += k;
  }

  report(): Placed {
    return this.whole ? [[this.d.reportAs, this.part], [this.d.wholeAs, this.whole]] : [];
  }
}

export class TurnAggregate {
  readonly ttft = new Distribution();
  requests = 0;
  failed = 0;
  tokensSum = 0;
  tokensN = 0;
  tokensMin = Infinity;
  tokensMax = -Infinity;
}

/** Per-turn-position figures of sessions: how TTFT and the prompt grow as the conversation does. */
export class SessionAggregate {
  private readonly turns = new Map<number, TurnAggregate>();
  private readonly ids = new Set<string>();
  private readonly ended: Record<string, number>;

  constructor(private readonly d: SessionsTally) {
    this.ended = Object.fromEntries(Object.keys(d.ends).map((k) => [k, 0]));
  }

  add(x: Record<string, unknown>, row: TallyRow): void {
    const id = x[this.d.name];
    const turn = x[this.d.turn];
    if (typeof id !== 'string' || typeof turn !== 'number') return;
    this.ids.add(id);
    const end = x[this.d.end];
    if (typeof end === 'string' && Object.hasOwn(this.ended, end)) this.ended[end]!++;
    let t = this.turns.get(turn);
    if (!t) this.turns.set(turn, (t = new TurnAggregate()));
    t.requests++;
    if (!row.ok) t.failed++;
    if (row.ok && row.ttftMs !== null) t.ttft.record(row.ttftMs);
    if (row.inputTokens !== null) {
      t.tokensSum += row.inputTokens;
      t.tokensN++;
      t.tokensMin = Math.min(t.tokensMin, row.inputTokens);
      t.tokensMax = Math.max(t.tokensMax, row.inputTokens);
    }
  }

  /** Nothing when no row belonged to a session. */
  report(): Placed {
    if (this.ids.size === 0) return [];
    const turns = [...this.turns]
      .sort((a, b) => a[0] - b[0])
      .map(([turn, t]) => ({
        turn,
        requests: t.requests,
        failed: t.failed,
        ttft: t.ttft.summary(),
        input_tokens: t.tokensN
          ? { mean: Number((t.tokensSum / t.tokensN).toFixed(1)), min: t.tokensMin, max: t.tokensMax }
          : { mean: null, min: null, max: null },
      }));
    return [[this.d.reportAs, { sessions: this.ids.size, ended: { ...this.ended }, turns } satisfies SessionsReport]];
  }
}

/** The aggregate that keeps one declared tally. */
export function tallyAggregate(d: TallyDeclaration): SourcesCount | ShareCount | SessionAggregate {
  return d.kind === 'sources' ? new SourcesCount(d) : d.kind === 'share' ? new ShareCount(d) : new SessionAggregate(d);
}
