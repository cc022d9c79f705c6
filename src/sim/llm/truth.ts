/*
 * The simulator's own record of what it did to each request, so tests and users can compare
 * what a client measured with what really happened. Times are `performance.now()`
 * milliseconds of the simulator's process; add `monotonic_offset_ms` for the host's
 * CLOCK_MONOTONIC (shared by all processes), or `time_origin_unix_ms` for Unix time.
 */

export type SimProtocol =
  | 'openai.completions'
  | 'openai.chat'
  | 'ollama.generate'
  | 'ollama.chat'
  | 'triton.generate'
  | 'triton.generate_stream'
  | 'triton.infer';

export type TruthOutcome =
  | 'in_progress'
  | 'ok'
  /** Rejected as a bad request (4xx): wrong model, invalid body, too long. */
  | 'rejected'
  /** error_rate: HTTP 500 before any output. */
  | 'injected_error'
  /** midstream_error_rate: the stream was cut (or, without streaming, a 500 sent). */
  | 'midstream_error'
  /** The client went away before the end. */
  | 'client_abort';

export type FinishReason = 'length' | 'stop';

export interface TruthChunk {
  /** When the chunk was handed to the socket (streaming: the write's start) or generated (non-streaming). */
  t_ms: number;
  /**
   * Streaming: when that write returned. On loopback the bytes reach the client's socket
   * within [t_ms, written_ms]; the span is a few microseconds unless the simulator paused
   * inside the write.
   */
  written_ms?: number;
  /**
   * When the engine step that produced it ended, in the engine's own schedule. It differs
   * from t_ms by the simulator's event-loop lag: the performance model acts on engine time.
   */
  engine_ms: number;
  tokens: number;
}

/** Everything recorded about one request. */
export interface TruthRecord {
  id: string;
  protocol: SimProtocol;
  model: string;
  stream: boolean;
  outcome: TruthOutcome;
  status?: number;
  time_origin_unix_ms: number;
  /** Add to any `*_ms` time to get the host's CLOCK_MONOTONIC in ms (process.hrtime), comparable across processes. */
  monotonic_offset_ms: number;
  /** Request headers received. */
  received_ms: number;
  /** Body parsed, handed to the engine. */
  enqueued_ms?: number;
  /** Engine step in which its prefill ran (virtual engine time). */
  admitted_ms?: number;
  /** Role-only first chunk of an OpenAI chat stream. */
  role_chunk_ms?: number;
  /** First token-bearing chunk written (streaming) or generated (non-streaming). */
  first_token_ms?: number;
  chunks: TruthChunk[];
  /** Response finished, or connection destroyed. */
  end_ms?: number;
  prompt_tokens: number;
  /** Tokens the engine planned to produce (before any injected cut). */
  planned_output_tokens?: number;
  /** Tokens actually produced. */
  output_tokens: number;
  finish_reason?: FinishReason;
  /** The garbage line came right after this chunk (0-based). */
  malformed_after_chunk?: number;
  /** The stream was cut after this many chunks. */
  cut_after_chunks?: number;
  /** Triton infer: queue and compute times. */
  queue_ms?: number;
  compute_ms?: number;
}

/** A record plus the figures a benchmark client would compute, measured at the source. */
export interface TruthView extends TruthRecord {
  ttft_ms?: number;
  /** Gap between consecutive chunks (one entry per chunk after the first). */
  itl_ms: number[];
  e2e_ms?: number;
  queue_wait_ms?: number;
}

/** Keeps the most recent records, oldest evicted first (a Map iterates in insertion order). */
export class TruthStore {
  private readonly records = new Map<string, TruthRecord>();
  constructor(private readonly capacity: number) {}

  add(record: TruthRecord): void {
    this.records.set(record.id, record);
    if (this.records.size > this.capacity) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
  }

  /** Accepts the bare id or the OpenAI form (`cmpl-…`, `chatcmpl-…`). */
  get(id: string): TruthView | undefined {
    const bare = id.replace(/^(chatcmpl|cmpl)-/, '');
    const r = this.records.get(bare);
    return r ? view(r) : undefined;
  }
}

function view(r: TruthRecord): TruthView {
  const itl: number[] = [];
  for (let i = 1; i < r.chunks.length; i++) itl.push(r.chunks[i]!.t_ms - r.chunks[i - 1]!.t_ms);
  const lastChunk = r.chunks.at(-1);
  const out: TruthView = { ...r, chunks: r.chunks.map((c) => ({ ...c })), itl_ms: itl };
  if (r.first_token_ms !== undefined) out.ttft_ms = r.first_token_ms - r.received_ms;
  if (lastChunk) out.e2e_ms = lastChunk.t_ms - r.received_ms;
  if (r.admitted_ms !== undefined && r.enqueued_ms !== undefined) {
    out.queue_wait_ms = Math.max(0, r.admitted_ms - r.enqueued_ms);
  }
  return out;
}
