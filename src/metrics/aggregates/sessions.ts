import { Distribution, type DistSummary } from '../distribution.js';

/** Figures of the requests at one position of their chat session. */
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

/** Chat sessions seen in the measured window (docs/metrics.md, "Chat sessions"). */
export interface SessionsReport {
  /** Distinct sessions with at least one measured turn. */
  sessions: number;
  /** Sessions whose last turn in the window ended them, by reason. */
  ended: { complete: number; failed: number; context: number };
  turns: TurnReport[];
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

/**
 * Per-turn-position figures of chat sessions, from the `session_id`, `turn` and
 * `session_end` the LLM backends put in each row's extra: how TTFT and the prompt grow
 * as the conversation does.
 */
export class SessionAggregate {
  private readonly turns = new Map<number, TurnAggregate>();
  private readonly ids = new Set<string>();
  private readonly ended = { complete: 0, failed: 0, context: 0 };

  add(extra: { session_id?: unknown; turn?: unknown; session_end?: unknown } | undefined, ok: boolean, ttftMs: number | null, inputTokens: number | null): void {
    if (!extra || typeof extra.session_id !== 'string' || typeof extra.turn !== 'number') return;
    this.ids.add(extra.session_id);
    const end = extra.session_end;
    if (end === 'complete' || end === 'failed' || end === 'context') this.ended[end]++;
    let t = this.turns.get(extra.turn);
    if (!t) this.turns.set(extra.turn, (t = new TurnAggregate()));
    t.requests++;
    if (!ok) t.failed++;
    if (ok && ttftMs !== null) t.ttft.record(ttftMs);
    if (inputTokens !== null) {
      t.tokensSum += inputTokens;
      t.tokensN++;
      t.tokensMin = Math.min(t.tokensMin, inputTokens);
      t.tokensMax = Math.max(t.tokensMax, inputTokens);
    }
  }

  /** Undefined when no row belonged to a session. */
  report(): SessionsReport | undefined {
    if (this.ids.size === 0) return undefined;
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
    return { sessions: this.ids.size, ended: { ...this.ended }, turns };
  }
}
