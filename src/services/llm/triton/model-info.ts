/**
 * What a Triton model is, read from the server as perf_analyzer does: its metadata
 * (`GET /v2/models/{m}`: inputs with datatypes and shapes) and its configuration
 * (`GET /v2/models/{m}/config`: max_batch_size, decoupled). A recipe that names a model
 * and no operation is run with the operation the model can answer.
 */
import { AifbError } from '../../../errors.js';
import type { TensorInput } from './tensors.js';
import type { LlmEndpoint } from '../common/client.js';

const DATATYPES = new Set(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES']);

export interface ModelInfo {
  name: string;
  /** An LLM served through the generate extension (text_input, or a decoupled model). */
  generative: boolean;
  /** 0: the model does not batch, its shapes are the request's; > 0: a leading batch dimension. */
  maxBatchSize: number;
  inputs: TensorInput[];
  outputs: string[];
}

/** How a JSON answer reads a dimension (Triton's config prints int64 as numbers, protobuf JSON as strings). */
function dim(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= -1 ? n : undefined;
}

function tensorsOf(list: unknown, what: string): TensorInput[] {
  if (!Array.isArray(list)) throw new Error(`model metadata has no "${what}" list`);
  return list.map((raw, i) => {
    const t = (raw ?? {}) as { name?: unknown; datatype?: unknown; shape?: unknown };
    const shape = Array.isArray(t.shape) ? t.shape.map(dim) : undefined;
    if (typeof t.name !== 'string' || typeof t.datatype !== 'string' || !shape || shape.some((d) => d === undefined)) {
      throw new Error(`model metadata ${what}[${i}] is not {name, datatype, shape}`);
    }
    return { name: t.name, datatype: t.datatype, shape: shape as number[] };
  });
}

/** Reads the two answers; throws a plain Error naming what is missing. */
export function parseModelInfo(metadata: unknown, config: unknown): ModelInfo {
  const md = (metadata ?? {}) as { name?: unknown; inputs?: unknown; outputs?: unknown };
  const cfg = (config ?? {}) as { max_batch_size?: unknown; model_transaction_policy?: { decoupled?: unknown }; input?: unknown };
  const maxBatchSize = dim(cfg.max_batch_size) ?? 0;
  const configured = new Map(
    (Array.isArray(cfg.input) ? cfg.input : []).map((c: { name?: unknown; dims?: unknown }) => [c?.name, Array.isArray(c?.dims) ? c.dims.length : -1]),
  );
  // Triton's metadata shows a batching model's batch dimension as a leading -1; a shape
  // as long as the config's dims lacks it.
  const inputs = tensorsOf(md.inputs, 'inputs').map((t) =>
    maxBatchSize > 0 && configured.get(t.name) === t.shape.length ? { ...t, shape: [-1, ...t.shape] } : t,
  );
  const outputs = Array.isArray(md.outputs) ? tensorsOf(md.outputs, 'outputs').map((o) => o.name) : [];
  const decoupled = cfg.model_transaction_policy?.decoupled === true;
  const textIn = inputs.some((i) => i.name === 'text_input' && i.datatype === 'BYTES');
  return {
    name: typeof md.name === 'string' ? md.name : '',
    generative: decoupled || textIn,
    maxBatchSize,
    inputs,
    outputs,
  };
}

/**
 * The request's tensors for a batch of `batch` (the recipe's batch_size, default 1), as
 * perf_analyzer's `-b`: a batching model's leading dimension is the batch; a model with
 * max_batch_size 0 takes its shapes as they are and only a batch of 1. Other variable
 * dimensions (-1) become 1, where perf_analyzer would ask for `--shape`: declare
 * `inputs` in the recipe to choose them. Returns the tensors and what was chosen.
 */
export function requestInputs(info: ModelInfo, batch: number, service: string): { inputs: TensorInput[]; chosen: string[] } {
  const unknown = info.inputs.find((i) => !DATATYPES.has(i.datatype));
  if (unknown) throw new AifbError('bad-input', `${service}: input "${unknown.name}" of model "${info.name}" has datatype ${unknown.datatype}, which aifb cannot generate`);
  if (info.maxBatchSize === 0 && batch > 1) {
    throw new AifbError('bad-input', `${service}: model "${info.name}" does not batch (max_batch_size 0), so batch_size must be 1, not ${batch}`);
  }
  if (info.maxBatchSize > 0 && batch > info.maxBatchSize) {
    throw new AifbError('bad-input', `${service}: batch_size ${batch} is above the max_batch_size ${info.maxBatchSize} of model "${info.name}"`);
  }
  const chosen: string[] = [];
  const inputs = info.inputs.map((t) => {
    const shape = t.shape.map((d, i) => {
      if (info.maxBatchSize > 0 && i === 0) return batch;
      if (d !== -1) return d;
      chosen.push(`${t.name}[${i}] = 1`);
      return 1;
    });
    return { name: t.name, datatype: t.datatype, shape };
  });
  return { inputs, chosen };
}

async function getJson(endpoint: LlmEndpoint, path: string, signal: AbortSignal, what: string): Promise<unknown> {
  const res = await endpoint.request('GET', path, undefined, signal);
  const text = await res.body.text();
  if (res.statusCode >= 300) {
    throw new AifbError('bad-input', `${what}: GET ${path} at ${endpoint.base.origin} answered HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AifbError('bad-input', `${what}: GET ${path} at ${endpoint.base.origin} did not answer JSON`);
  }
}

/** Reads the model's metadata and configuration (`modelPath('')` is `/v2/models/{m}[/versions/{v}]/`). */
export async function fetchModelInfo(endpoint: LlmEndpoint, modelPath: (suffix: string) => string, signal: AbortSignal, what: string): Promise<ModelInfo> {
  const metadata = await getJson(endpoint, modelPath('').replace(/\/$/, ''), signal, what);
  const config = await getJson(endpoint, modelPath('config'), signal, what);
  try {
    return parseModelInfo(metadata, config);
  } catch (err) {
    throw new AifbError('bad-input', `${what}: ${(err as Error).message}`, { cause: err });
  }
}
