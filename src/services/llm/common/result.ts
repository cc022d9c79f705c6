import type { OperationResult } from '../../contract.js';
import { ProtocolError } from '../../../engine/classify.js';
import type { TokenMetrics } from './timeline.js';
import { monotonicOffsetMs } from '../../../util/clock.js';

// performance.now() → the host's CLOCK_MONOTONIC; constant for the process.
const MONO_OFFSET_MS = monotonicOffsetMs();

/** A well-formed stream that carried an error event (Triton, Ollama, OpenAI after HTTP 200). */
export class StreamErrorEvent extends Error {
  readonly errorClass = 'server_error' as const;
}

/** Parses one JSON line of a stream; malformed data is a protocol failure. */
export function parseJsonLine(text: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProtocolError(`malformed ${what}: ${text.slice(0, 120)}`);
}

/**
 * The result of a successful generation: token metrics in `llm`, gap details in `extra`;
 * `completeAt` is the arrival of the response's last chunk.
 */
export function generationResult(m: TokenMetrics, bytesIn: number, bytesOut: number, extra: Record<string, unknown>, sentAt: number, completeAt: number): OperationResult {
  return {
    ok: true,
    completeAt,
    status: 200,
    bytesIn,
    bytesOut,
    llm: m.llm,
    // The send instant in Unix ms lines requests up with server-side logs; on the host's
    // monotonic clock, with another process on the same host (e.g. the simulator's truth) exactly.
    extra: {
      ...extra,
      itl: m.itl,
      itl_max_ms: m.itlMaxMs,
      e2el_ms: m.e2elMs,
      tokens_from: m.tokensFrom,
      ...(m.coArrivedGaps ? { itl_coarrived: m.coArrivedGaps } : {}),
      sent_unix_ms: performance.timeOrigin + sentAt,
      sent_monotonic_ms: round3(sentAt + MONO_OFFSET_MS),
    },
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
