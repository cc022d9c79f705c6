import type { ServerResponse } from 'node:http';
import { createRng, type Rng } from '../../util/rng.js';
import type { RequestContext, SimState } from './context.js';
import { HttpError, type WriteSpan } from './http.js';
import { generateTokens, hashText } from './tokenizer.js';
import type { FinishReason } from './truth.js';

/** What a protocol handler asks the engine for, after parsing its request. */
export interface GenerationRequest {
  model: string;
  prompt: string;
  promptTokens: number;
  /** Upper bound on output tokens; undefined = until end-of-sequence or the context is full. */
  maxTokens: number | undefined;
  minTokens: number;
  ignoreEos: boolean;
  seed: number | undefined;
}

/** Per-request decisions, all drawn from the request's own random stream. */
export interface GenerationPlan {
  outputTokens: number;
  finishReason: FinishReason;
  cutAfterChunks: number | undefined;
  malformedAfterChunk: number | undefined;
}

/** How one protocol writes what the engine produces. */
export interface GenerationSink {
  /**
   * A chunk of `tokens` tokens; `finish` is set on the last one. Streaming sinks return
   * when they handed it to the socket; others buffer it and return nothing.
   */
  chunk(text: string, tokens: number, finish: FinishReason | null): WriteSpan | undefined;
  /** Writes one garbage line (malformed_rate). */
  garbage(): void;
  /** Normal end: write the closing lines and end the response. */
  finish(plan: GenerationPlan): void;
  /** Injected mid-stream failure: cut the connection or send the protocol's error. */
  cut(): void;
}

/** Rejects requests that do not fit the context window, with vLLM's wording. */
export function checkContext(sim: SimState, promptTokens: number, maxTokens: number | undefined): void {
  const limit = sim.options.max_model_len;
  if (maxTokens !== undefined && maxTokens < 1) throw new HttpError(400, `max_tokens must be at least 1, got ${maxTokens}.`);
  const want = promptTokens + (maxTokens ?? 1);
  if (want > limit) {
    throw new HttpError(
      400,
      `This model's maximum context length is ${limit} tokens. However, you requested ${want} tokens ` +
        `(${promptTokens} in the messages, ${maxTokens ?? 1} in the completion). ` +
        'Please reduce the length of the messages or completion.',
    );
  }
}

/**
 * Output length: max_tokens when EOS is ignored, otherwise a geometric draw with mean
 * mean_output_tokens (at least min_tokens) that "stops" if it ends before max_tokens.
 */
export function planGeneration(sim: SimState, rng: Rng, g: GenerationRequest): GenerationPlan {
  const o = sim.options;
  const cap = Math.max(1, Math.min(g.maxTokens ?? Infinity, o.max_model_len - g.promptTokens));
  const natural = Math.max(1, g.minTokens, Math.ceil(rng.exponential() * o.mean_output_tokens));
  const ignoreEos = g.ignoreEos || o.ignore_eos;
  const outputTokens = ignoreEos ? cap : Math.min(cap, natural);
  const finishReason: FinishReason = !ignoreEos && natural <= cap ? 'stop' : 'length';
  const chunks = Math.ceil(outputTokens / o.tokens_per_chunk);
  const cut = rng.next() < o.midstream_error_rate;
  const cutAt = 1 + rng.int(Math.max(1, chunks - 1));
  const malformed = rng.next() < o.malformed_rate;
  const malformedAt = rng.int(chunks);
  return {
    outputTokens,
    finishReason,
    // With a single chunk there is nothing "mid" to cut after: fail before it.
    cutAfterChunks: cut ? (chunks > 1 ? cutAt : 0) : undefined,
    malformedAfterChunk: malformed ? malformedAt : undefined,
  };
}

/**
 * Runs one generation through the engine and the protocol's sink, keeping the truth record,
 * the metrics and the counters, and aborting the sequence if the client goes away.
 */
export function runGeneration(
  sim: SimState,
  rc: RequestContext,
  g: GenerationRequest,
  plan: GenerationPlan,
  res: ServerResponse,
  sink: GenerationSink,
): void {
  const rec = rc.record;
  const textRng = g.seed !== undefined ? createRng(hashText(g.seed, g.prompt)) : rc.rng.fork('text');
  rec.prompt_tokens = g.promptTokens;
  rec.planned_output_tokens = plan.outputTokens;
  rec.enqueued_ms = performance.now();
  if (plan.malformedAfterChunk !== undefined) rec.malformed_after_chunk = plan.malformedAfterChunk;
  const m = [g.model];
  let over = false;

  const seq = sim.engine.submit(
    { model: g.model, promptTokens: g.promptTokens, outputTokens: plan.outputTokens, cutAfterChunks: plan.cutAfterChunks },
    {
      onTokens(tokens, done, stepEnd) {
        const text = generateTokens(textRng, tokens);
        const index = rec.chunks.length;
        // Written first: the truth is when the bytes reached the socket, which a client can see.
        const span = sink.chunk(text, tokens, done ? plan.finishReason : null);
        const t = span?.from ?? performance.now();
        if (index === 0) {
          rec.admitted_ms = seq.admittedAt;
          rec.first_token_ms = t;
          sim.metrics.ttft.observe(m, (t - rec.received_ms) / 1000);
          sim.metrics.promptTokens.inc(m, g.promptTokens);
          sim.stats.prompt_tokens += g.promptTokens;
        } else {
          sim.metrics.itl.observe(m, (t - rec.chunks[index - 1]!.t_ms) / 1000);
        }
        rec.chunks.push(span ? { t_ms: t, written_ms: span.to, engine_ms: stepEnd, tokens } : { t_ms: t, engine_ms: stepEnd, tokens });
        rec.output_tokens += tokens;
        sim.metrics.generationTokens.inc(m, tokens);
        sim.stats.generation_tokens += tokens;
        if (index === plan.malformedAfterChunk) {
          sim.stats.malformed_lines++;
          sink.garbage();
        }
        if (!done) return;
        over = true;
        rec.outcome = 'ok';
        rec.status = 200;
        rec.finish_reason = plan.finishReason;
        sim.metrics.e2e.observe(m, (t - rec.received_ms) / 1000);
        sim.metrics.requestSuccess.inc([plan.finishReason, g.model]);
        sim.stats.completed++;
        sink.finish(plan);
        rec.end_ms = performance.now();
      },
      onCut() {
        over = true;
        rec.admitted_ms ??= seq.admittedAt;
        rec.outcome = 'midstream_error';
        rec.cut_after_chunks = rec.chunks.length;
        sim.stats.midstream_errors++;
        sink.cut();
        rec.end_ms = performance.now();
      },
    },
  );

  res.on('close', () => {
    if (over) return;
    over = true;
    sim.engine.cancel(seq);
    rec.outcome = 'client_abort';
    rec.end_ms = performance.now();
    sim.stats.client_aborts++;
  });
}
