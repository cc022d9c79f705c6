import type { MetricDeclaration } from '../../contract.js';

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
  },
  {
    name: 'e2el_ms',
    kind: 'trend',
    unit: 'ms',
    description: 'end-to-end latency of a request: from its send to its last token',
    reportAs: 'llm.e2el',
  },
];
