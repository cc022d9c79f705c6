/** Error classes every backend's failures are sorted into (docs/metrics.md defines each). */
export const ERROR_CLASSES = [
  'timeout',
  'connection_refused',
  'connection_reset',
  'dns',
  'http_4xx',
  'http_5xx',
  'auth',
  'protocol',
  'server_error',
  'not_found',
  'io',
  'disk_full',
  'cancelled',
  'other',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Token-level fields for LLM requests (filled by the LLM backends). */
export interface LlmFields {
  ttftMs?: number;
  tpotMs?: number;
  itlMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** True when token counts came from a fallback rather than the server's usage. */
  tokensEstimated?: boolean;
}

/**
 * One request as measured. Times are monotonic milliseconds relative to the run's
 * start; `latency = end - intendedStart` (what a waiting user sees, no coordinated
 * omission) and `serviceTime = end - actualStart`.
 */
export interface Sample {
  service: string;
  clientId: number;
  operation: string;
  intendedStart: number;
  actualStart: number;
  end: number;
  ok: boolean;
  status: number | string | null;
  errorClass: ErrorClass | null;
  message: string | null;
  bytesIn: number;
  bytesOut: number;
  llm?: LlmFields;
  /** Backend-specific figures stored as JSON (small; never secrets). */
  extra?: Record<string, unknown>;
}
