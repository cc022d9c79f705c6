import type { Adapter, OperationResult } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { openaiFields } from '../common/fields.js';
import type { Rng } from '../../../util/rng.js';
import { httpFailure } from '../common/client.js';
import { LlmAdapterBase } from '../common/base.js';
import type { Prompt } from '../common/prompts.js';
import type { Turn } from '../common/sessions.js';
import { counted, sseEvents, timedLines } from '../common/lines.js';
import { TokenTimeline } from '../common/timeline.js';
import { estimateTokens } from '../common/tokens.js';
import { StreamErrorEvent, generationResult, parseJsonLine } from '../common/result.js';
import { ProtocolError } from '../../../engine/classify.js';
import { requestIdOf } from '../common/request-id.js';

interface Op {
  api: 'completions' | 'chat';
  prompt: Prompt;
  body: Buffer;
  /** A session's turn, and the answer text received for it (to continue the conversation). */
  turn: Turn | undefined;
  answer: string;
}

const DEFAULT_PORT = 8000;

class OpenAiAdapter extends LlmAdapterBase<Op> {
  constructor(protected override readonly spec: ServiceOf<typeof openaiFields>) {
    super(spec, DEFAULT_PORT, { path: '/v1/models', what: `${spec.type} server` });
  }

  prepare(operation: string, rng: Rng, client?: number, startsInMs?: number): Op {
    const api = operation === 'chat' ? 'chat' : 'completions';
    const turn = api === 'chat' ? this.chatTurn(rng, client, startsInMs) : undefined;
    const prompt = turn?.prompt ?? this.prompts.pick(rng);
    const f = this.spec.fields;
    const request: Record<string, unknown> = {
      model: f.model ?? 'default',
      max_tokens: prompt.maxTokens,
      stream: f.stream,
    };
    if (api === 'chat') request.messages = turn?.messages ?? [{ role: 'user', content: prompt.text }];
    else request.prompt = prompt.text;
    if (f.stream) {
      request.stream_options = f.continuous_usage_stats
        ? { include_usage: true, continuous_usage_stats: true }
        : { include_usage: true };
    }
    if (f.temperature !== undefined) request.temperature = f.temperature;
    // ignore_eos is a vLLM extension; vLLM recipes get it by default so output lengths are as asked.
    const ignoreEos = f.ignore_eos ?? this.spec.type === 'vllm';
    if (ignoreEos) request.ignore_eos = true;
    return { api, prompt, body: Buffer.from(JSON.stringify(request)), turn, answer: '' };
  }

  async execute(op: Op, signal: AbortSignal): Promise<OperationResult> {
    const path = op.api === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    const sent = performance.now();
    const res = await this.endpoint.request('POST', path, op.body, signal);
    if (res.statusCode >= 300) return httpFailure(res.statusCode, res.body);
    let bytesIn = 0;
    const body = counted(res.body, (n) => (bytesIn += n));
    const timeline = new TokenTimeline(sent, this.tokens);
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    let lastCumulative = 0;
    let finishReason: string | undefined;
    let id: string | undefined;
    const take = (obj: Record<string, unknown>, at: number) => {
      if (typeof obj.id === 'string') id ??= obj.id;
      if (obj.error) throw new StreamErrorEvent(`server error in stream: ${JSON.stringify(obj.error).slice(0, 200)}`);
      const u = obj.usage as typeof usage | null | undefined;
      const choice = (obj.choices as Record<string, unknown>[] | undefined)?.[0];
      if (choice) {
        const text = op.api === 'chat' ? textOf((choice.delta ?? choice.message) as Record<string, unknown> | undefined) : choice.text;
        if (typeof text === 'string' && text.length > 0) {
          if (op.turn) op.answer += text;
          // With continuous usage, the chunk's exact token count is the growth of completion_tokens.
          const exact = u?.completion_tokens !== undefined ? u.completion_tokens - lastCumulative : undefined;
          timeline.chunk(at, exact ?? estimateTokens(text), text);
        }
        if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      }
      if (u) {
        usage = u;
        lastCumulative = u.completion_tokens ?? lastCumulative;
      }
    };

    if (!this.spec.fields.stream) {
      const text = await res.body.text();
      bytesIn = Buffer.byteLength(text);
      take(parseJsonLine(text, 'JSON response'), performance.now());
    } else {
      let done = false;
      for await (const ev of sseEvents(timedLines(body, () => res.body.arrivedAt))) {
        if (ev.kind === 'comment') continue;
        if (ev.data.trim() === '[DONE]') {
          done = true;
          break;
        }
        take(parseJsonLine(ev.data, 'SSE data'), ev.at);
      }
      if (!done && finishReason === undefined) throw new ProtocolError('stream ended before [DONE] or a finish_reason');
    }
    const metrics = timeline.finish(
      { promptTokens: usage?.prompt_tokens, completionTokens: usage?.completion_tokens },
      { tokens: op.prompt.estimatedTokens, from: op.prompt.tokensFrom },
    );
    return generationResult(metrics, bytesIn, op.body.length, { request_id: requestIdOf(res.headers) ?? id, finish_reason: finishReason, chunks: timeline.chunks }, sent, res.body.arrivedAt);
  }
}

function textOf(m: Record<string, unknown> | undefined): unknown {
  return m?.content;
}

export function createAdapter(spec: ServiceOf<typeof openaiFields>): Adapter {
  return new OpenAiAdapter(spec);
}
