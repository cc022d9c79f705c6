import type { ServerResponse } from 'node:http';
import type { Rng } from '../../util/rng.js';
import type { RequestContext, SimState, TimedRequest } from './context.js';
import { checkContext, planGeneration, runGeneration, type GenerationRequest, type GenerationSink } from './generation.js';
import { HttpError, optBool, optInt, optObject, readJsonObject, sendJson, sendText, startStream, writeNow } from './http.js';
import type { TensorModel } from './options.js';
import { countTokens } from './tokenizer.js';

/** The Triton release the simulator claims in `GET /v2`. */
export const TRITON_VERSION = '2.59.0';
const VERSION = '1';

const LLM_INPUTS = [
  { name: 'text_input', datatype: 'BYTES', shape: [1] },
  { name: 'stream', datatype: 'BOOL', shape: [1] },
  { name: 'sampling_parameters', datatype: 'BYTES', shape: [1] },
];
const LLM_OUTPUTS = [{ name: 'text_output', datatype: 'BYTES', shape: [-1] }];

/** Handles everything under `/v2`; returns false when the path is not Triton's. */
export async function handleTriton(sim: SimState, req: TimedRequest, res: ServerResponse, path: string): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === '/v2' && method === 'GET') {
    sendJson(res, 200, { name: 'triton', version: TRITON_VERSION, extensions: ['classification', 'sequence', 'model_repository', 'schedule_policy', 'model_configuration', 'system_shared_memory', 'statistics', 'trace', 'logging', 'generate'] });
    return true;
  }
  if ((path === '/v2/health/live' || path === '/v2/health/ready') && method === 'GET') {
    sendText(res, 200, '');
    return true;
  }
  if (path === '/v2/repository/index' && method === 'POST') {
    const names = [...sim.options.models, ...sim.options.tensor_models.map((t) => t.name)];
    sendJson(res, 200, names.map((name) => ({ name, version: VERSION, state: 'READY' })));
    return true;
  }
  const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|config|generate|generate_stream|infer))?$/.exec(path);
  if (!m) return false;
  const name = decodeURIComponent(m[1]!);
  const action = m[3] ?? '';
  const wantPost = action === 'generate' || action === 'generate_stream' || action === 'infer';
  if (method !== (wantPost ? 'POST' : 'GET')) {
    sendJson(res, 405, { error: `method ${method} not allowed` });
    return true;
  }
  const llm = sim.options.models.includes(name);
  const tensor = sim.options.tensor_models.find((t) => t.name === name);
  const versionOk = m[2] === undefined || m[2] === VERSION;
  if ((!llm && !tensor) || !versionOk) {
    // As Triton 2.51 answers (measured, docs/real-servers-llm.md): readiness of an unknown
    // model or version is 400 "not ready", everything else 404 "unknown model".
    const v = m[2] !== undefined ? ` version ${m[2]}` : '';
    if (wantPost) req.resume();
    if (action === 'ready') sendJson(res, 400, { error: 'Model version not ready' });
    else sendJson(res, 404, { error: `Request for unknown model: '${name}'${v} is not found` });
    return true;
  }
  switch (action) {
    case '':
      sendJson(res, 200, tensor ? { name, versions: [VERSION], platform: tensor.platform, inputs: tensor.inputs, outputs: tensor.outputs } : { name, versions: [VERSION], platform: 'vllm', inputs: LLM_INPUTS, outputs: LLM_OUTPUTS });
      return true;
    case 'ready':
      sendText(res, 200, '');
      return true;
    case 'config':
      sendJson(res, 200, tensor ? tensorConfig(tensor) : { name, backend: 'vllm', max_batch_size: 0, model_transaction_policy: { decoupled: true } });
      return true;
    case 'infer':
      if (tensor) await infer(sim, req, res, tensor);
      else {
        req.resume();
        sendJson(res, 501, { error: `HTTP end point doesn't support models with decoupled transaction policy` });
      }
      return true;
    default:
      if (tensor) {
        req.resume();
        sendJson(res, 400, { error: `expected 1 inputs but got 0 inputs for model '${name}'. Got input(s) [], but missing required input(s) ['${tensor.inputs.map((i) => i.name).join("', '")}']. Please provide all required input(s).` });
      } else await generate(sim, req, res, name, action === 'generate_stream');
      return true;
  }
}

function tensorConfig(t: TensorModel) {
  const batched = t.inputs.every((i) => i.shape[0] === -1);
  const dims = (shape: number[]) => (batched ? shape.slice(1) : shape);
  return {
    name: t.name,
    platform: t.platform,
    max_batch_size: batched ? 8 : 0,
    input: t.inputs.map((i) => ({ name: i.name, data_type: `TYPE_${i.datatype === 'BYTES' ? 'STRING' : i.datatype}`, dims: dims(i.shape) })),
    output: t.outputs.map((o) => ({ name: o.name, data_type: `TYPE_${o.datatype === 'BYTES' ? 'STRING' : o.datatype}`, dims: dims(o.shape) })),
    instance_group: [{ count: t.instance_count, kind: 'KIND_GPU' }],
    // Real Triton prints the policy for every model; clients tell LLMs (decoupled) from it.
    model_transaction_policy: { decoupled: false },
  };
}

/** A generate parameter, from `parameters` or (as Triton passes them) the top level. */
function param<T>(
  body: Record<string, unknown>,
  read: (o: Record<string, unknown> | undefined, key: string) => T | undefined,
  ...keys: string[]
): T | undefined {
  const params = optObject(body, 'parameters');
  for (const k of keys) {
    const v = read(params, k) ?? read(body, k);
    if (v !== undefined) return v;
  }
  return undefined;
}

async function generate(sim: SimState, req: TimedRequest, res: ServerResponse, model: string, stream: boolean): Promise<void> {
  let rc: RequestContext | undefined;
  try {
    const body = await readJsonObject(req, sim.options.max_body_bytes);
    rc = sim.begin(stream ? 'triton.generate_stream' : 'triton.generate', req, res, model, stream);
    if (typeof body.text_input !== 'string') throw new HttpError(400, "input 'text_input' is required and must be a string");
    const promptTokens = countTokens(body.text_input);
    const maxTokens = param(body, optInt, 'max_tokens');
    checkContext(sim, promptTokens, maxTokens);
    const g: GenerationRequest = {
      model,
      prompt: body.text_input,
      promptTokens,
      maxTokens,
      minTokens: param(body, optInt, 'min_tokens') ?? 0,
      ignoreEos: param(body, optBool, 'ignore_eos') ?? false,
      seed: param(body, optInt, 'seed', 'random_seed'),
    };
    const echoId = typeof body.id === 'string' ? { id: body.id } : {};
    if (sim.injectError(rc)) {
      sim.metrics.tritonRequest(model, false, 1, 0, 0, 0);
      sendJson(res, 500, { error: 'simulated internal server error (error_rate)' });
      return;
    }
    const plan = planGeneration(sim, rc.rng, g);
    runGeneration(sim, rc, g, plan, res, tritonSink(sim, rc, res, model, stream, echoId));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    if (rc) sim.rejected(rc, err.status);
    sendJson(res, err.status, { error: err.message });
  }
}

function tritonSink(sim: SimState, rc: RequestContext, res: ServerResponse, model: string, stream: boolean, echoId: { id?: string }): GenerationSink {
  if (stream) startStream(res, 'text/event-stream');
  const head = { ...echoId, model_name: model, model_version: VERSION };
  let text = '';
  let garbled = false;
  const account = (ok: boolean) => {
    const r = rc.record;
    const end = performance.now();
    const admitted = r.admitted_ms ?? r.enqueued_ms ?? r.received_ms;
    sim.metrics.tritonRequest(model, ok, 1, end - r.received_ms, admitted - (r.enqueued_ms ?? r.received_ms), end - admitted);
  };
  return {
    chunk(t) {
      if (stream) return writeNow(res, `data: ${JSON.stringify({ ...head, text_output: t })}\n\n`);
      text += t;
      return undefined;
    },
    garbage() {
      if (stream) res.write(`data: {"model_name":${JSON.stringify(model)},"text_out\n\n`);
      else garbled = true;
    },
    finish() {
      account(true);
      if (stream) {
        res.end();
        return;
      }
      const json = JSON.stringify({ ...head, text_output: text });
      const out = garbled ? json.slice(0, Math.floor(json.length / 2)) : json;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    },
    cut() {
      account(false);
      const error = `simulated error after ${rc.record.output_tokens} tokens (midstream_error_rate)`;
      if (stream) {
        // Triton reports a failure after the 200 as an error event, then ends the stream.
        res.end(`data: ${JSON.stringify({ error })}\n\n`);
        return;
      }
      rc.record.status = 500;
      sendJson(res, 500, { error });
    },
  };
}

function countElements(data: unknown): number {
  if (Array.isArray(data)) {
    let n = 0;
    for (const d of data) n += countElements(d);
    return n;
  }
  return 1;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === -1 || d === b[i]);
const show = (shape: readonly unknown[]) => `[${shape.join(',')}]`;

/** Checks the request against the model's signature; returns the batch size. */
function validateInfer(t: TensorModel, body: Record<string, unknown>): number {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw new HttpError(400, "inference request has no 'inputs'");
  if (inputs.length !== t.inputs.length) {
    throw new HttpError(400, `expected ${t.inputs.length} inputs but got ${inputs.length} inputs for model '${t.name}'`);
  }
  let batch = 1;
  for (const raw of inputs) {
    const input = (raw ?? {}) as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown; parameters?: Record<string, unknown> };
    const spec = t.inputs.find((i) => i.name === input.name);
    if (!spec) throw new HttpError(400, `unexpected inference input '${String(input.name)}' for model '${t.name}'`);
    if (input.datatype !== spec.datatype) {
      throw new HttpError(400, `inference input '${spec.name}' data-type is '${String(input.datatype)}', but model '${t.name}' expects '${spec.datatype}'`);
    }
    const shape = input.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) || !sameShape(spec.shape, shape)) {
      throw new HttpError(400, `unexpected shape for input '${spec.name}' for model '${t.name}'. Expected ${show(spec.shape)}, got ${Array.isArray(shape) ? show(shape) : String(shape)}`);
    }
    if (input.parameters && 'binary_data_size' in input.parameters) {
      throw new HttpError(400, 'the simulator accepts JSON tensor data only (no binary tensor extension)');
    }
    if (input.data === undefined) throw new HttpError(400, `input '${spec.name}' has no data`);
    const expected = (shape as number[]).reduce((a, b) => a * b, 1);
    const got = countElements(input.data);
    if (got !== expected) {
      throw new HttpError(400, `unexpected number of elements for input '${spec.name}' for model '${t.name}': got ${got}, shape ${show(shape)} needs ${expected}`);
    }
    if (spec.shape[0] === -1) batch = (shape as number[])[0]!;
  }
  const wanted = body.outputs;
  if (wanted !== undefined) {
    if (!Array.isArray(wanted)) throw new HttpError(400, "'outputs' must be a list");
    for (const o of wanted) {
      const name = (o as { name?: unknown } | null)?.name;
      if (!t.outputs.some((spec) => spec.name === name)) throw new HttpError(400, `unexpected inference output '${String(name)}' for model '${t.name}'`);
    }
  }
  return batch;
}

function tensorData(datatype: string, count: number, rng: Rng): unknown[] {
  const out = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    if (datatype.startsWith('FP')) out[i] = Math.round(rng.next() * 1e6) / 1e6;
    else if (datatype === 'BOOL') out[i] = rng.next() < 0.5;
    else if (datatype === 'BYTES') out[i] = 'sim';
    else out[i] = rng.int(128);
  }
  return out;
}

async function infer(sim: SimState, req: TimedRequest, res: ServerResponse, t: TensorModel): Promise<void> {
  let rc: RequestContext | undefined;
  try {
    const body = await readJsonObject(req, sim.options.max_body_bytes);
    rc = sim.begin('triton.infer', req, res, t.name, false);
    const batch = validateInfer(t, body);
    if (sim.injectError(rc)) {
      sim.metrics.tritonRequest(t.name, false, batch, 0, 0, 0);
      sendJson(res, 500, { error: 'simulated internal server error (error_rate)' });
      return;
    }
    const rec = rc.record;
    rec.enqueued_ms = performance.now();
    const exec = await sim.tensors.run(t.name, batch);
    const rng = rc.rng.fork('output');
    const wanted = Array.isArray(body.outputs) ? new Set(body.outputs.map((o: { name?: string }) => o.name)) : undefined;
    const outputs = t.outputs
      .filter((o) => !wanted || wanted.has(o.name))
      .map((o) => {
        const shape = o.shape.map((d, i) => (d === -1 ? (i === 0 ? batch : 1) : d));
        return { name: o.name, datatype: o.datatype, shape, data: tensorData(o.datatype, shape.reduce((a, b) => a * b, 1), rng) };
      });
    const end = performance.now();
    Object.assign(rec, { admitted_ms: rec.enqueued_ms + exec.queueMs, queue_ms: exec.queueMs, compute_ms: exec.computeMs, outcome: 'ok', status: 200 });
    sim.metrics.tritonRequest(t.name, true, batch, end - rec.received_ms, exec.queueMs, exec.computeMs);
    sim.stats.completed++;
    sendJson(res, 200, { ...(typeof body.id === 'string' ? { id: body.id } : {}), model_name: t.name, model_version: VERSION, outputs });
    rec.end_ms = performance.now();
  } catch (err) {
    if (!(err instanceof HttpError)) {
      // The simulator was closed while the request waited; its connection is gone too.
      if (!res.headersSent) res.destroy();
      return;
    }
    if (rc) sim.rejected(rc, err.status);
    sendJson(res, err.status, { error: err.message });
  }
}
