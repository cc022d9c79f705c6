import type { ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { RequestContext, SimState, TimedRequest } from './context.js';
import { planGeneration, runGeneration, type GenerationRequest, type GenerationSink } from './generation.js';
import { HttpError, optBool, optInt, optObject, readJsonObject, sendJson, writeNow } from './http.js';
import { countTokens, renderChat, type ChatMessage } from './tokenizer.js';
import type { FinishReason } from './truth.js';

/** The Ollama version the simulator claims; clients only check that one is there. */
export const OLLAMA_VERSION = '0.11.4';

/** Ollama names carry a tag; a bare name means `:latest`. */
function withTag(name: string): string {
  const slash = name.lastIndexOf('/');
  return name.slice(slash + 1).includes(':') ? name : `${name}:latest`;
}

function findModel(sim: SimState, name: string): string | undefined {
  const want = withTag(name);
  return sim.options.models.find((m) => withTag(m) === want);
}

/** `GET /api/tags`. */
export function listTags(sim: SimState, res: ServerResponse): void {
  const modified = new Date(sim.startedAt).toISOString();
  sendJson(res, 200, {
    models: sim.options.models.map((m) => ({
      name: withTag(m),
      model: withTag(m),
      modified_at: modified,
      size: 0,
      digest: createHash('sha256').update(m).digest('hex'),
      details: { parent_model: '', format: 'gguf', family: 'sim', families: ['sim'], parameter_size: '0B', quantization_level: 'F16' },
    })),
  });
}

/** `GET /api/version`. */
export function version(res: ServerResponse): void {
  sendJson(res, 200, { version: OLLAMA_VERSION });
}

/** `POST /api/generate` and `POST /api/chat`: NDJSON streaming by default. */
export async function handleOllama(sim: SimState, req: TimedRequest, res: ServerResponse, kind: 'generate' | 'chat'): Promise<void> {
  let rc: RequestContext | undefined;
  try {
    const body = await readJsonObject(req, sim.options.max_body_bytes);
    const stream = optBool(body, 'stream') ?? true;
    const requested = body.model;
    rc = sim.begin(kind === 'chat' ? 'ollama.chat' : 'ollama.generate', req, res, typeof requested === 'string' ? requested : '', stream);
    if (typeof requested !== 'string' || requested === '') throw new HttpError(400, 'model is required');
    if (!findModel(sim, requested)) throw new HttpError(404, `model '${requested}' not found`);
    const model = findModel(sim, requested)!;
    let promptText: string;
    if (kind === 'chat') {
      const messages = body.messages ?? [];
      if (!Array.isArray(messages)) throw new HttpError(400, 'messages must be a list');
      promptText = messages.length ? renderChat(messages as ChatMessage[]) : '';
    } else {
      if (body.prompt !== undefined && typeof body.prompt !== 'string') throw new HttpError(400, 'prompt must be a string');
      const system = typeof body.system === 'string' ? body.system + '\n' : '';
      promptText = body.prompt ? system + body.prompt : '';
    }
    if (promptText === '') {
      // Ollama answers an empty prompt by loading the model and returning at once.
      const out = { model: requested, created_at: new Date().toISOString(), ...(kind === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' }), done: true, done_reason: 'load' };
      rc.record.outcome = 'ok';
      rc.record.status = 200;
      rc.record.end_ms = performance.now();
      sendJson(res, 200, out);
      return;
    }
    const options = optObject(body, 'options');
    const numPredict = ollamaOption(() => optInt(options, 'num_predict'), 'num_predict', 'integer');
    // Ollama truncates a prompt that does not fit its context instead of refusing it.
    const promptTokens = Math.min(countTokens(promptText), sim.options.max_model_len - 1);
    const g: GenerationRequest = {
      model,
      prompt: promptText,
      promptTokens,
      maxTokens: numPredict !== undefined && numPredict > 0 ? numPredict : undefined,
      minTokens: 0,
      ignoreEos: ollamaOption(() => optBool(options, 'ignore_eos'), 'ignore_eos', 'bool') ?? false,
      seed: ollamaOption(() => optInt(options, 'seed'), 'seed', 'integer'),
    };
    if (sim.injectError(rc)) {
      sendJson(res, 500, { error: 'simulated internal server error (error_rate)' });
      return;
    }
    const plan = planGeneration(sim, rc.rng, g);
    runGeneration(sim, rc, g, plan, res, ollamaSink(sim, rc, res, kind, requested, stream));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    if (rc) sim.rejected(rc, err.status);
    sendJson(res, err.status, { error: err.message });
  }
}

function ollamaSink(sim: SimState, rc: RequestContext, res: ServerResponse, kind: 'generate' | 'chat', model: string, stream: boolean): GenerationSink {
  let text = '';
  let finishReason: FinishReason = 'length';
  let garbled = false;
  let headed = false;
  const head = () => {
    // Ollama (Go's http) sends its headers with the first line, not before.
    if (headed) return;
    headed = true;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  };
  const piece = (content: string) => (kind === 'chat' ? { message: { role: 'assistant', content } } : { response: content });
  const final = () => {
    const r = rc.record;
    const end = performance.now();
    const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));
    const last = r.chunks.at(-1)?.t_ms ?? end;
    const admitted = r.admitted_ms ?? r.enqueued_ms ?? r.received_ms;
    const promptEvalMs = Math.min(r.prompt_tokens * sim.options.prefill_ms_per_token, (r.first_token_ms ?? last) - admitted);
    return {
      done: true,
      done_reason: finishReason,
      total_duration: ns(end - r.received_ms),
      load_duration: ns((r.enqueued_ms ?? r.received_ms) - r.received_ms),
      prompt_eval_count: r.prompt_tokens,
      prompt_eval_duration: ns(promptEvalMs),
      eval_count: r.output_tokens,
      eval_duration: ns(last - admitted - promptEvalMs),
    };
  };
  return {
    chunk(t, _tokens, finish) {
      if (finish) finishReason = finish;
      if (!stream) {
        text += t;
        return undefined;
      }
      head();
      return writeNow(res, JSON.stringify({ model, created_at: new Date().toISOString(), ...piece(t), done: false }) + '\n');
    },
    garbage() {
      if (!stream) {
        garbled = true;
        return;
      }
      head();
      res.write(`{"model":${JSON.stringify(model)},"created_at":"${new Date().toISOString()}","respo\n`);
    },
    finish() {
      const last = { model, created_at: new Date().toISOString(), ...piece(stream ? '' : text), ...final() };
      const json = JSON.stringify(last);
      if (stream) {
        head();
        res.end(json + '\n');
        return;
      }
      const out = garbled ? json.slice(0, Math.floor(json.length / 2)) : json;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    },
    cut() {
      if (stream) {
        res.destroy();
        return;
      }
      rc.record.status = 500;
      sendJson(res, 500, { error: 'simulated error during generation (midstream_error_rate)' });
    },
  };
}

/** An option of the wrong type: Ollama 0.24 answers 500 with these words (measured, docs/real-servers-llm.md). */
function ollamaOption<T>(read: () => T, key: string, type: string): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof HttpError) throw new HttpError(500, `option "${key}" must be of type ${type}`);
    throw err;
  }
}
