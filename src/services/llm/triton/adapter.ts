import type { Adapter, OperationResult, SetupContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { Rng } from '../../../util/rng.js';
import { LlmEndpoint, httpFailure } from '../common/client.js';
import { PromptPool, type Prompt } from '../common/prompts.js';
import { counted, sseEvents, timedLines } from '../common/lines.js';
import { TokenTimeline } from '../common/timeline.js';
import { estimateTokens } from '../common/tokens.js';
import { ESTIMATE, loadTokenCounter, type TokenCounter } from '../common/tokenizer.js';
import { StreamErrorEvent, generationResult, parseJsonLine } from '../common/result.js';
import { ProtocolError } from '../../../engine/classify.js';
import { requestIdOf } from '../common/request-id.js';
import { inferBody, type TensorInput } from './tensors.js';
import { chooseFromModel } from './choose.js';
import type { MixEntry } from '../../../recipe/types.js';
import type { tritonFields } from '../common/fields.js';

type Op =
  | { kind: 'generate' | 'generate_stream'; prompt: Prompt; body: Buffer }
  | { kind: 'infer'; body: Buffer };

const DEFAULT_PORT = 8000;
const INFER_PAYLOADS = 4;

class TritonAdapter implements Adapter<Op> {
  private readonly endpoint: LlmEndpoint;
  private readonly model: string;
  private prompts: PromptPool | undefined;
  private inferPayloads: Buffer[] = [];
  /** The operation the model's metadata chose, when the recipe named none. */
  private mix: MixEntry[] | undefined;
  /** The recipe's tokenizer: Triton reports no usage, so with one every count is the tokenizer's. */
  private tokens: TokenCounter = ESTIMATE;

  constructor(private readonly spec: ServiceOf<typeof tritonFields>) {
    this.endpoint = new LlmEndpoint(spec, DEFAULT_PORT);
    this.model = spec.fields.model ?? 'ensemble';
  }

  private modelPath(suffix: string): string {
    const v = this.spec.fields.model_version;
    return `/v2/models/${encodeURIComponent(this.model)}${v !== undefined ? `/versions/${encodeURIComponent(v)}` : ''}/${suffix}`;
  }

  async setup(ctx: SetupContext): Promise<void> {
    const f = this.spec.fields;
    this.tokens = await loadTokenCounter(f.tokenizer);
    await this.endpoint.checkReady('/v2/health/ready', ctx.signal, 'Triton server');
    await this.endpoint.checkReady(this.modelPath('ready'), ctx.signal, `Triton model "${this.model}"`);
    const batch = f.batch_size ?? 1;
    let inputs: TensorInput[] | undefined = f.inputs;
    const chosen = await chooseFromModel(this.spec, this.endpoint, (s) => this.modelPath(s), ctx);
    if (chosen) {
      this.mix = chosen.mix;
      inputs ??= chosen.inputs;
    }
    const ops = new Set((this.mix ?? this.spec.mix).map((m) => m.operation));
    if (ops.has('infer')) {
      if (!inputs) throw new Error(`${this.spec.name}: the infer operation needs "inputs" (name, datatype, shape of each tensor)`);
      for (let i = 0; i < INFER_PAYLOADS; i++) {
        this.inferPayloads.push(inferBody(inputs, batch, ctx.rng, f.outputs));
      }
    }
    if (ops.has('generate') || ops.has('generate_stream')) {
      this.prompts = new PromptPool(f.prompts, f.max_tokens, ctx.rng, undefined, this.tokens);
    }
  }

  resolvedMix(): readonly MixEntry[] | undefined {
    return this.mix;
  }

  prepare(operation: string, rng: Rng): Op {
    if (operation === 'infer') return { kind: 'infer', body: this.inferPayloads[rng.int(this.inferPayloads.length)]! };
    const prompt = this.prompts!.pick(rng);
    const f = this.spec.fields;
    const parameters: Record<string, unknown> = { max_tokens: prompt.maxTokens, ...f.parameters };
    if (f.temperature !== undefined) parameters.temperature = f.temperature;
    if (f.ignore_eos !== undefined) parameters.ignore_eos = f.ignore_eos;
    if (operation === 'generate_stream') parameters.stream = true;
    const body = Buffer.from(JSON.stringify({ text_input: prompt.text, parameters }));
    return { kind: operation === 'generate' ? 'generate' : 'generate_stream', prompt, body };
  }

  async execute(op: Op, signal: AbortSignal): Promise<OperationResult> {
    const sent = performance.now();
    const res = await this.endpoint.request('POST', this.modelPath(op.kind), op.body, signal);
    if (res.statusCode >= 300) return httpFailure(res.statusCode, res.body);
    if (op.kind === 'infer') {
      const text = await res.body.text();
      const obj = parseJsonLine(text, 'infer response');
      if (obj.error) throw new StreamErrorEvent(`server error: ${String(obj.error).slice(0, 200)}`);
      if (!Array.isArray(obj.outputs)) throw new ProtocolError('infer response has no "outputs"');
      return { ok: true, status: res.statusCode, bytesIn: Buffer.byteLength(text), bytesOut: op.body.length };
    }
    let bytesIn = 0;
    const timeline = new TokenTimeline(sent, this.tokens);
    const take = (obj: Record<string, unknown>, at: number) => {
      if (obj.error) throw new StreamErrorEvent(`server error in stream: ${String(obj.error).slice(0, 200)}`);
      // Triton reports no usage: token counts are the tokenizer's, or the client's estimate (flagged).
      if (typeof obj.text_output === 'string' && obj.text_output.length > 0) timeline.chunk(at, estimateTokens(obj.text_output), obj.text_output);
    };
    if (op.kind === 'generate') {
      const text = await res.body.text();
      bytesIn = Buffer.byteLength(text);
      take(parseJsonLine(text, 'generate response'), performance.now());
    } else {
      for await (const ev of sseEvents(timedLines(counted(res.body, (n) => (bytesIn += n)), () => res.body.arrivedAt))) {
        if (ev.kind === 'data') take(parseJsonLine(ev.data, 'SSE data'), ev.at);
      }
    }
    const metrics = timeline.finish({}, { tokens: op.prompt.estimatedTokens, from: op.prompt.tokensFrom });
    return generationResult(metrics, bytesIn, op.body.length, { request_id: requestIdOf(res.headers), chunks: timeline.chunks }, sent, res.body.arrivedAt);
  }

  async teardown(): Promise<void> {
    await this.endpoint.close();
  }
}

export function createAdapter(spec: ServiceOf<typeof tritonFields>): Adapter {
  return new TritonAdapter(spec);
}
