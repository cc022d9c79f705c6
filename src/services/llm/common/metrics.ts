import type { MetricDeclaration, TallyDeclaration } from '../../contract.js';

/**
 * What every LLM backend's results carry in `extra` (common/result.ts), placed where the
 * report has always shown them (docs/metrics.md). TTFT and TPOT are columns of their own.
 */
export const LLM_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'itl',
    kind: 'trend',
    unit: 'ms',
    description: 'inter-token latency over every token gap of a streamed answer ([gap, count] pairs), as vLLM counts it',
    reportAs: 'llm.itl',
    histogramAs: 'llm.histograms.itl',
    judges: 'itl_ms',
  },
  {
    name: 'e2el_ms',
    kind: 'trend',
    unit: 'ms',
    description: 'end-to-end latency of a request: from its send to its last token',
    reportAs: 'llm.e2el',
  },
];

/** What every LLM backend's results keep in `extra` beside those metrics, placed and printed where the report has always had it (docs/metrics.md). */
export const LLM_TALLIES: readonly TallyDeclaration[] = [
  // Which source each request's token counts came from: server, tokenizer or estimate (common/timeline.ts).
  { kind: 'sources', name: 'tokens_from', keys: ['input', 'output'], reportAs: 'llm.token_sources', label: 'tokens' },
  // Chunks that came in the same socket read as the one before share its time stamp.
  { kind: 'share', name: 'itl_coarrived', of: 'itl', reportAs: 'llm.itl_coarrived_gaps', wholeAs: 'llm.itl_gaps', label: 'itl', unit: 'token gaps', text: 'are 0 ms: their chunk came in the same read as the one before' },
  // Chat sessions (common/sessions.ts): each turn's request says its session, position and why the session ended there.
  {
    kind: 'sessions', name: 'session_id', turn: 'turn', end: 'session_end', reportAs: 'llm.sessions', label: 'sessions', title: 'Chat sessions',
    ends: { complete: 'complete', failed: 'after a failed turn', context: 'at max_context_tokens' },
  },
];
