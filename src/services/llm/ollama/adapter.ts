import type { Adapter, OperationResult } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { ollamaFields } from '../common/fields.js';
import type { Rng } from '../../../util/rng.js';
import { httpFailure } from '../common/client.js';
import { LlmAdapterBase } from '../common/base.js';
import type { Prompt } from '../common/prompts.js';
import type { Turn } from '../common/sessions.js';
import { counted, timedLines } from '../common/lines.js';
import { TokenTimeline } from '../common/timeline.js';
import { estimateTokens } from '../common/tokens.js';
import { StreamErrorEvent, generationResult, parseJsonLine } from '../common/result.js';
import { ProtocolError } from '../../../engine/classify.js';
import { requestIdOf } from '../common/request-id.js';

interface Op {
  api: 'generate' | 'chat';
  prompt: Prompt;
  body: Buffer;
  /** A session's turn, and the answer text received for it (to continue the conversation). */
  turn: Turn | undefined;
  answer: string;
}

const DEFAULT_PORT = 11434;
const NS_PER_MS = 1e6;

/** The server's own timings from the final line (nanoseconds in the API, ms here). */
function serverTimings(final: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) {
    if (typeof final[k] === 'number') out[`${k}_ms`] = (final[k] as number) / NS_PER_MS;
  }
  for (const k of ['prompt_eval_count', 'eval_count'] as const) if (typeof final[k] === 'number') out[k] = final[k] as number;
  if (out.eval_count && out.eval_duration_ms) out.server_tokens_per_second = out.eval_count / (out.eval_duration_ms / 1000);
  return out;
}

class OllamaAdapter extends LlmAdapterBase<Op> {
  constructor(protected override readonly spec: ServiceOf<typeof ollamaFields>) {
    super(spec, DEFAULT_PORT, { path: '/api/version', what: 'Ollama server' });
  }

  prepare(operation: string, rng: Rng, client?: number, startsInMs?: number): Op {
    const api = operation === 'chat' ? 'chat' : 'generate';
    const turn = api === 'chat' ? this.chatTurn(rng, client, startsInMs) : undefined;
    const prompt = turn?.prompt ?? this.prompts.pick(rng);
    const f = this.spec.fields;
    const options: Record<string, unknown> = { num_predict: prompt.maxTokens };
    if (f.temperature !== undefined) options.temperature = f.temperature;
    const request: Record<string, unknown> = { model: f.model ?? 'llama2', stream: f.stream, options };
    if (api === 'chat') request.messages = turn?.messages ?? [{ role: 'user', content: prompt.text }];
    else request.prompt = prompt.text;
    if (f.keep_alive !== undefined) request.keep_alive = f.keep_alive;
    return { api, prompt, body: Buffer.from(JSON.stringify(request)), turn, answer: '' };
  }

  async execute(op: Op, signal: AbortSignal): Promise<OperationResult> {
    const sent = performance.now();
    const res = await this.endpoint.request('POST', op.api === 'chat' ? '/api/chat' : '/api/generate', op.body, signal);
    if (res.statusCode >= 300) return httpFailure(res.statusCode, res.body);
    let bytesIn = 0;
    const timeline = new TokenTimeline(sent, this.tokens);
    let final: Record<string, unknown> | undefined;
    for await (const { line, at } of timedLines(counted(res.body, (n) => (bytesIn += n)), () => res.body.arrivedAt)) {
      if (!line.trim()) continue;
      const obj = parseJsonLine(line, 'NDJSON line');
      if (obj.error) throw new StreamErrorEvent(`server error in stream: ${String(obj.error).slice(0, 200)}`);
      const text = op.api === 'chat' ? (obj.message as { content?: unknown } | undefined)?.content : obj.response;
      if (typeof text === 'string' && text.length > 0) {
        timeline.chunk(at, estimateTokens(text), text);
        if (op.turn) op.answer += text;
      }
      if (obj.done === true) {
        final = obj;
        break;
      }
    }
    if (!final) throw new ProtocolError('stream ended without a final "done": true line');
    // prompt_eval_count is missing when the prompt was served from cache: then it is estimated.
    const metrics = timeline.finish(
      {
        promptTokens: typeof final.prompt_eval_count === 'number' ? final.prompt_eval_count : undefined,
        completionTokens: typeof final.eval_count === 'number' ? final.eval_count : undefined,
      },
      { tokens: op.prompt.estimatedTokens, from: op.prompt.tokensFrom },
    );
    return generationResult(metrics, bytesIn, op.body.length, {
      request_id: requestIdOf(res.headers),
      done_reason: final.done_reason,
      chunks: timeline.chunks,
      server: serverTimings(final),
    }, sent, res.body.arrivedAt);
  }
}

export function createAdapter(spec: ServiceOf<typeof ollamaFields>): Adapter {
  return new OllamaAdapter(spec);
}
