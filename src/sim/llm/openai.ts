import type { ServerResponse } from 'node:http';
import type { RequestContext, SimState, TimedRequest } from './context.js';
import { checkContext, planGeneration, runGeneration, type GenerationPlan, type GenerationRequest, type GenerationSink } from './generation.js';
import { HttpError, optBool, optInt, optObject, readJsonObject, sendJson, startStream, writeNow } from './http.js';
import { countTokens, renderChat, type ChatMessage } from './tokenizer.js';
import type { FinishReason } from './truth.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  413: 'BadRequestError',
  500: 'InternalServerError',
};

/** vLLM's error body. */
export function openaiError(status: number, message: string): unknown {
  return { error: { message, type: ERROR_TYPES[status] ?? 'BadRequestError', param: null, code: status } };
}

/** `GET /v1/models`. */
export function listModels(sim: SimState, res: ServerResponse): void {
  const created = Math.floor(sim.startedAt / 1000);
  sendJson(res, 200, {
    object: 'list',
    data: sim.options.models.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: id,
      parent: null,
      max_model_len: sim.options.max_model_len,
    })),
  });
}

function completionPrompt(prompt: unknown): { text: string; tokens: number } {
  const one = Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] !== 'number' ? prompt[0] : prompt;
  if (typeof one === 'string') return { text: one, tokens: countTokens(one) };
  if (Array.isArray(one) && one.length > 0 && one.every((t) => Number.isInteger(t))) {
    return { text: one.join(' '), tokens: one.length };
  }
  if (Array.isArray(one) && one.length > 1) throw new HttpError(400, 'the simulator serves one prompt per request (no batched prompts)');
  throw new HttpError(400, 'prompt must be a string or a list of token ids');
}

function chatPrompt(messages: unknown): { text: string; tokens: number } {
  if (!Array.isArray(messages) || messages.length === 0) throw new HttpError(400, 'messages must be a non-empty list');
  for (const m of messages) {
    if (!m || typeof m !== 'object' || typeof (m as ChatMessage).role !== 'string') {
      throw new HttpError(400, 'each message needs a role');
    }
  }
  const text = renderChat(messages as ChatMessage[]);
  return { text, tokens: countTokens(text) };
}

/** `POST /v1/completions` and `POST /v1/chat/completions`, as vLLM serves them. */
export async function handleOpenAI(sim: SimState, req: TimedRequest, res: ServerResponse, kind: 'completions' | 'chat'): Promise<void> {
  let rc: RequestContext | undefined;
  try {
    const body = await readJsonObject(req, sim.options.max_body_bytes);
    const stream = optBool(body, 'stream') ?? false;
    const requested = body.model;
    if (requested !== undefined && typeof requested !== 'string') throw new HttpError(400, 'model must be a string');
    const model = requested ?? sim.options.models[0]!;
    rc = sim.begin(kind === 'chat' ? 'openai.chat' : 'openai.completions', req, res, model, stream);
    if (!sim.options.models.includes(model)) throw new HttpError(404, `The model \`${model}\` does not exist.`);
    const streamOptions = optObject(body, 'stream_options');
    if (streamOptions && !stream) throw new HttpError(400, 'Stream options can only be defined when `stream=True`.');
    const prompt = kind === 'chat' ? chatPrompt(body.messages) : completionPrompt(body.prompt);
    const maxTokens =
      kind === 'chat'
        ? (optInt(body, 'max_completion_tokens') ?? optInt(body, 'max_tokens'))
        : (optInt(body, 'max_tokens') ?? sim.options.default_max_tokens);
    checkContext(sim, prompt.tokens, maxTokens);
    const g: GenerationRequest = {
      model,
      prompt: prompt.text,
      promptTokens: prompt.tokens,
      maxTokens,
      minTokens: optInt(body, 'min_tokens') ?? 0,
      ignoreEos: optBool(body, 'ignore_eos') ?? false,
      seed: optInt(body, 'seed'),
    };
    if (sim.injectError(rc)) {
      sendJson(res, 500, openaiError(500, 'simulated internal server error (error_rate)'));
      return;
    }
    const plan = planGeneration(sim, rc.rng, g);
    const shape = { kind, id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${rc.id}`, model, created: Math.floor(Date.now() / 1000) };
    const sink = stream
      ? sseSink(sim, rc, res, shape, g.promptTokens, {
          usage: optBool(streamOptions, 'include_usage') ?? false,
          continuous: optBool(streamOptions, 'continuous_usage_stats') ?? false,
        })
      : jsonSink(rc, res, shape, g.promptTokens);
    runGeneration(sim, rc, g, plan, res, sink);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    if (rc) sim.rejected(rc, err.status);
    sendJson(res, err.status, openaiError(err.status, err.message));
  }
}

interface Shape {
  kind: 'completions' | 'chat';
  id: string;
  model: string;
  created: number;
}

function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion };
}

function sseSink(
  sim: SimState,
  rc: RequestContext,
  res: ServerResponse,
  s: Shape,
  promptTokens: number,
  opts: { usage: boolean; continuous: boolean },
): GenerationSink {
  startStream(res, 'text/event-stream; charset=utf-8');
  const object = s.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const head = `{"id":${JSON.stringify(s.id)},"object":"${object}","created":${s.created},"model":${JSON.stringify(s.model)},`;
  let produced = 0;
  let ping: NodeJS.Timeout | undefined;
  if (sim.options.ping_ms > 0) {
    ping = setInterval(() => res.write(`: ping - ${new Date().toISOString()}\n\n`), sim.options.ping_ms);
    res.on('close', () => clearInterval(ping));
  }
  const usageText = () => (opts.continuous ? `,"usage":${JSON.stringify(usage(promptTokens, produced))}` : '');
  return {
    chunk(text, tokens, finish) {
      produced += tokens;
      const fr = finish ? `"${finish}"` : 'null';
      let out = '';
      const roleFirst = s.kind === 'chat' && rc.record.role_chunk_ms === undefined;
      if (s.kind === 'chat') {
        if (roleFirst) {
          // vLLM's first chat chunk: the role and empty content, sent when the first output is ready.
          out += `data: ${head}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${opts.continuous ? `,"usage":${JSON.stringify(usage(promptTokens, 0))}` : ''}}\n\n`;
        }
        out += `data: ${head}"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":${fr}}]${usageText()}}\n\n`;
      } else {
        out += `data: ${head}"choices":[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${fr},"stop_reason":null}]${usageText()}}\n\n`;
      }
      const span = writeNow(res, out);
      if (roleFirst) rc.record.role_chunk_ms = span.from;
      return span;
    },
    garbage() {
      res.write(`data: ${head}"choices":[{"index":0,"te\n\n`);
    },
    finish() {
      clearInterval(ping);
      let out = '';
      if (opts.usage) out += `data: ${head}"choices":[],"usage":${JSON.stringify(usage(promptTokens, produced))}}\n\n`;
      res.end(out + 'data: [DONE]\n\n');
    },
    cut() {
      clearInterval(ping);
      res.destroy();
    },
  };
}

function jsonSink(rc: RequestContext, res: ServerResponse, s: Shape, promptTokens: number): GenerationSink {
  let text = '';
  let produced = 0;
  let finishReason: FinishReason = 'length';
  let garbled = false;
  return {
    chunk(t, tokens, finish) {
      text += t;
      produced += tokens;
      if (finish) finishReason = finish;
      return undefined;
    },
    garbage() {
      garbled = true;
    },
    finish(_plan: GenerationPlan) {
      const choice =
        s.kind === 'chat'
          ? { index: 0, message: { role: 'assistant', content: text, tool_calls: [] }, logprobs: null, finish_reason: finishReason, stop_reason: null }
          : { index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null, prompt_logprobs: null };
      const body = {
        id: s.id,
        object: s.kind === 'chat' ? 'chat.completion' : 'text_completion',
        created: s.created,
        model: s.model,
        choices: [choice],
        usage: { ...usage(promptTokens, produced), prompt_tokens_details: null },
      };
      const json = JSON.stringify(body);
      // malformed_rate without streaming: a body cut in half, still with status 200.
      const out = garbled ? json.slice(0, Math.floor(json.length / 2)) : json;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    },
    cut() {
      rc.record.status = 500;
      sendJson(res, 500, openaiError(500, 'simulated error during generation (midstream_error_rate)'));
    },
  };
}
