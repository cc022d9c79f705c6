/*
 * Compares what a client measured with the simulator's truth, token by token, on the host's
 * CLOCK_MONOTONIC: the simulator's truth carries `monotonic_offset_ms`, aifb's LLM rows
 * carry `sent_monotonic_ms`. Used by the accuracy test and bench/llm/accuracy.ts.
 */

/** What aifb stored for one request (the `ttft` column in ms, and fields of `extra`). */
export interface MeasuredRow {
  ttftMs: number;
  request_id: string;
  sent_monotonic_ms: number;
  /** Per-token gaps as [gap_ms, count] pairs, one pair per chunk after the first (docs/metrics.md). */
  itl: [number, number][];
}

/** The fields of a `/sim/truth/{id}` record this comparison reads. */
export interface TruthTimes {
  id: string;
  monotonic_offset_ms: number;
  received_ms: number;
  chunks: { t_ms: number; written_ms?: number; tokens: number }[];
}

/** Errors in ms: per request for TTFT and transit, per gap between chunks for ITL. */
export interface TokenErrors {
  /** Measured first-token arrival − true first-token write. */
  ttft: number[];
  /** Measured gap − true gap, for every pair of consecutive chunks. */
  itl: number[];
  /** Per request: measured mean gap − true mean gap (the `itl` column against the truth). */
  meanItl: number[];
  /** Request received by the simulator − request sent by aifb (loopback and both event loops). */
  transit: number[];
}

/**
 * Rebuilds each request's chunk arrival times from its send instant, TTFT and gap list, and
 * subtracts the simulator's write times. A chunk reached the client's socket somewhere in
 * its write's span [t_ms, written_ms]: an arrival inside the span counts as exact, one after
 * it as late by the difference, one before it as early (impossible on a shared clock). A
 * row whose chunk count differs from the truth's throws: the comparison would pair the
 * wrong chunks.
 */
export function tokenErrors(rows: readonly MeasuredRow[], truths: readonly TruthTimes[]): TokenErrors {
  const out: TokenErrors = { ttft: [], itl: [], meanItl: [], transit: [] };
  rows.forEach((row, i) => {
    const truth = truths[i]!;
    const arrivals = [row.sent_monotonic_ms + row.ttftMs];
    // A first chunk of k > 1 tokens adds a leading [0, k−1] pair that belongs to no later chunk.
    const perChunk = row.itl.length === truth.chunks.length ? row.itl.slice(1) : row.itl;
    for (const [gap, k] of perChunk) arrivals.push(arrivals.at(-1)! + gap * k);
    if (arrivals.length !== truth.chunks.length) {
      throw new Error(`request ${row.request_id}: ${arrivals.length} chunks measured, ${truth.chunks.length} written`);
    }
    const writes = truth.chunks.map((c, j) => {
      const from = c.t_ms + truth.monotonic_offset_ms;
      const to = (c.written_ms ?? c.t_ms) + truth.monotonic_offset_ms;
      return Math.min(Math.max(arrivals[j]!, from), to);
    });
    out.ttft.push(arrivals[0]! - writes[0]!);
    for (let j = 1; j < writes.length; j++) out.itl.push(arrivals[j]! - arrivals[j - 1]! - (writes[j]! - writes[j - 1]!));
    const n = writes.length - 1;
    if (n > 0) out.meanItl.push((arrivals[n]! - arrivals[0]! - (writes[n]! - writes[0]!)) / n);
    out.transit.push(truth.received_ms + truth.monotonic_offset_ms - row.sent_monotonic_ms);
  });
  return out;
}

/** Nearest-rank percentile (q in 0..1) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
