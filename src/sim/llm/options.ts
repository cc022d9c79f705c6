import { z } from 'zod';

/** Datatypes of the KServe v2 protocol that the simulator's tensor models accept. */
export const TENSOR_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

const tensorSpecSchema = z.strictObject({
  name: z.string().min(1),
  datatype: z.enum(TENSOR_DATATYPES),
  /** -1 marks a variable dimension; a leading -1 is the batch dimension. */
  shape: z.array(z.int().min(-1)).min(1),
});

/** A non-LLM Triton model served through `/v2/models/{m}/infer`. */
export const tensorModelSchema = z.strictObject({
  name: z.string().min(1).regex(/^[^/]+$/, { error: 'a Triton model name cannot contain "/"' }),
  platform: z.string().default('onnxruntime_onnx'),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  /** Compute time of one execution at batch size 1. */
  compute_ms: z.number().min(0).default(5),
  /** Extra compute per additional batch item, as a fraction of compute_ms. */
  batch_slowdown: z.number().min(0).default(0.1),
  /** Executions that may run at once (Triton's instance_group count). */
  instance_count: z.int().min(1).default(1),
});

export type TensorModel = z.output<typeof tensorModelSchema>;

/** A ResNet-50 shaped classifier, like the seed's Triton recipe. */
export const DEFAULT_TENSOR_MODELS: z.input<typeof tensorModelSchema>[] = [
  {
    name: 'resnet50',
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }],
    outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1000] }],
    compute_ms: 5,
  },
];

const rate = z.number().min(0).max(1);

/**
 * Everything the simulator can be told. Keys are snake_case so a YAML config file and the
 * CLI flags (kebab-case of the same names) map onto them one to one.
 */
export const llmSimOptionsSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.int().min(0).max(65535).default(0),
    /** Served LLM names (OpenAI model ids, Ollama names, Triton model names). */
    models: z.array(z.string().min(1)).min(1).default(['sim-llm']),
    seed: z.int().min(0).default(0),

    prefill_ms_per_token: z.number().min(0).default(0.1),
    /** Duration of one decode step with a single running sequence. */
    decode_ms: z.number().min(0).default(20),
    /** Step time = decode_ms × (1 + batch_slowdown × (running − 1)). */
    batch_slowdown: z.number().min(0).default(0.005),
    max_num_seqs: z.int().min(1).default(256),
    max_model_len: z.int().min(2).default(4096),
    /** Relative standard deviation of every step time (normal, clipped at ±3σ). */
    jitter: z.number().min(0).max(0.3).default(0.05),
    /** Tokens each engine step produces per sequence, sent as one chunk. */
    tokens_per_chunk: z.int().min(1).default(1),

    /** max_tokens of /v1/completions when the request has none (OpenAI's legacy default). */
    default_max_tokens: z.int().min(1).default(16),
    /** Mean of the seeded output length when end-of-sequence is honoured. */
    mean_output_tokens: z.number().min(1).default(128),
    /** Behave as if every request set ignore_eos (Ollama and Triton clients cannot say so). */
    ignore_eos: z.boolean().default(false),

    error_rate: rate.default(0),
    midstream_error_rate: rate.default(0),
    malformed_rate: rate.default(0),
    stall_ms: z.number().min(0).default(0),
    stall_every_ms: z.number().min(0).default(0),
    /** Interval of `: ping` comment lines on OpenAI streams; 0 sends none (as vLLM). */
    ping_ms: z.number().min(0).default(0),

    tensor_models: z.array(tensorModelSchema).default(() => DEFAULT_TENSOR_MODELS.map((m) => tensorModelSchema.parse(m))),
    /** Truth records kept (oldest dropped first). */
    truth_capacity: z.int().min(1).default(10_000),
    max_body_bytes: z.int().min(1024).default(64 * 1024 * 1024),
  })
  .refine((o) => o.stall_ms === 0 || o.stall_every_ms > o.stall_ms, {
    error: 'stall_every_ms must be greater than stall_ms when stalls are enabled',
    path: ['stall_every_ms'],
  })
  .refine((o) => new Set(o.models).size === o.models.length, { error: 'models must be distinct', path: ['models'] })
  .refine((o) => o.tensor_models.every((t) => !o.models.includes(t.name)), {
    error: 'a tensor model cannot have the name of an LLM model',
    path: ['tensor_models'],
  });

/** What callers may pass: every field optional. */
export type LlmSimOptionsInput = z.input<typeof llmSimOptionsSchema>;
/** Options after defaults. */
export type LlmSimOptions = z.output<typeof llmSimOptionsSchema>;

/** Applies defaults and validates; throws the zod error on bad input. */
export function resolveLlmSimOptions(input: LlmSimOptionsInput = {}): LlmSimOptions {
  return llmSimOptionsSchema.parse(input);
}
