import type { LlmFields } from '../../../metrics/sample.js';
import type { TokenCounter, TokenSource } from './tokenizer.js';

/** What one streamed request looked like from the client, turned into token metrics. */
export interface TokenMetrics {
  llm: LlmFields;
  /** Per-token gaps after the first token, ms, compressed as [gap, count] pairs. */
  itl: [number, number][];
  /** Largest per-token gap (ms), for the ITL SLO. */
  itlMaxMs: number | undefined;
  /** End-to-end latency to the last token-bearing chunk (ms, from the actual send). */
  e2elMs: number | undefined;
  /** Where the input and output counts came from. */
  tokensFrom: { input: TokenSource; output: TokenSource };
  /**
   * Token gaps of chunks that came in the same socket read as the chunk before them: the
   * client cannot tell when each was written, so their gaps are 0 (docs/metrics.md, "Chunks
   * that arrive together"). Counted, so a report can say how many of its gaps are such zeros.
   */
  coArrivedGaps: number;
}

/**
 * Collects the arrival times of token-bearing chunks of one response.
 *
 * Definitions (docs/metrics.md): TTFT is the first token-bearing chunk's arrival minus
 * the send; E2EL is the last token-bearing chunk's; TPOT = (E2EL − TTFT)/(N − 1).
 * A chunk carrying k tokens, g ms after the previous chunk, contributes k inter-token
 * gaps of g/k — its tokens are taken as spread evenly since the previous chunk — so a
 * multi-token chunk never counts as one slow token. Extra tokens in the first chunk
 * arrived together with the first token: they contribute gaps of 0.
 * N is the server's reported count when it gives one (chunk weights are rescaled to it),
 * else the recipe's tokenizer's count of the whole answer, else the client's estimate,
 * flagged.
 */
export class TokenTimeline {
  private readonly times: number[] = [];
  private readonly weights: number[] = [];
  /** The answer's text, kept only when a tokenizer may have to count it. */
  private readonly texts: string[] | undefined;

  constructor(
    private readonly sentAt: number,
    private readonly counter?: TokenCounter,
  ) {
    if (counter?.source === 'tokenizer') this.texts = [];
  }

  /** A chunk that carried generated text (or tokens) arrived at `at`. */
  chunk(at: number, estimatedTokens: number, text?: string): void {
    this.times.push(at);
    this.weights.push(Math.max(1, estimatedTokens));
    if (text !== undefined) this.texts?.push(text);
  }

  get chunks(): number {
    return this.times.length;
  }

  /**
   * The request's metrics. `prompt` is the client's count of the prompt's tokens and where
   * it came from (the tokenizer or the estimate), used when the server reports none.
   */
  finish(
    usage: { promptTokens?: number | undefined; completionTokens?: number | undefined },
    prompt?: number | { tokens: number; from: 'tokenizer' | 'estimate' },
  ): TokenMetrics {
    const m = this.times.length;
    const estimatedOut = this.weights.reduce((a, b) => a + b, 0);
    const reported = usage.completionTokens;
    const counted = reported === undefined && m > 0 && this.texts?.length ? this.counter!.count(this.texts.join('')) : undefined;
    const outputTokens = reported ?? counted ?? (m === 0 ? 0 : estimatedOut);
    const client = typeof prompt === 'number' ? { tokens: prompt, from: 'estimate' as const } : prompt;
    const inputTokens = usage.promptTokens ?? client?.tokens;
    const tokensFrom = {
      input: usage.promptTokens !== undefined ? 'server' : (client?.from ?? 'estimate'),
      output: reported !== undefined ? 'server' : counted !== undefined ? 'tokenizer' : 'estimate',
    } satisfies TokenMetrics['tokensFrom'];
    const estimated = tokensFrom.output === 'estimate' || (inputTokens !== undefined && tokensFrom.input === 'estimate');
    if (m === 0) {
      return { llm: { inputTokens, outputTokens, tokensEstimated: estimated }, itl: [], itlMaxMs: undefined, e2elMs: undefined, tokensFrom, coArrivedGaps: 0 };
    }
    const scale = outputTokens > 0 && estimatedOut > 0 ? outputTokens / estimatedOut : 1;
    const ttft = this.times[0]! - this.sentAt;
    const e2el = this.times[m - 1]! - this.sentAt;
    const itl: [number, number][] = [];
    let itlMax: number | undefined;
    let gapSum = 0;
    let gapCount = 0;
    let coArrived = 0;
    const firstExtra = this.weights[0]! * scale - 1;
    if (firstExtra >= 0.5) {
      itl.push([0, Math.round(firstExtra)]);
      gapCount += Math.round(firstExtra);
      itlMax = 0;
    }
    for (let i = 1; i < m; i++) {
      const k = this.weights[i]! * scale;
      const gap = this.times[i]! - this.times[i - 1]!;
      const perToken = gap / k;
      const count = Math.max(1, Math.round(k));
      itl.push([round3(perToken), count]);
      gapSum += gap;
      gapCount += count;
      if (gap === 0) coArrived += count;
      itlMax = Math.max(itlMax ?? 0, perToken);
    }
    const llm: LlmFields = {
      ttftMs: ttft,
      inputTokens,
      outputTokens,
      tokensEstimated: estimated,
    };
    if (outputTokens > 1) llm.tpotMs = (e2el - ttft) / (outputTokens - 1);
    if (gapCount > 0) llm.itlMs = gapSum / gapCount;
    return { llm, itl, itlMaxMs: itlMax, e2elMs: e2el, tokensFrom, coArrivedGaps: coArrived };
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
