import { z } from 'zod';
import { durationField, durationOrZeroField } from '../../../recipe/fields.js';
import { BOUNDS, boundMessage, boundedInt } from '../../../recipe/bounds.js';

const tokens = () => boundedInt(1, BOUNDS.tokens);
const lengthDist = z.union([
  tokens(),
  z.strictObject({
    mean: z.number().positive().max(BOUNDS.tokens, { error: boundMessage(BOUNDS.tokens) }),
    stdev: z.number().min(0).max(BOUNDS.tokens, { error: boundMessage(BOUNDS.tokens) }).optional(),
    min: tokens().optional(),
    max: tokens().optional(),
  }),
]);

/** Where prompts come from (docs/llm.md). */
export const promptsField = z.strictObject({
  source: z.enum(['synthetic', 'jsonl', 'sharegpt']).optional(),
  file: z.string().optional(),
  /** Synthetic prompt length in tokens: a number or {mean, stdev, min, max}. */
  input_tokens: lengthDist.optional(),
  /** Output length asked for (max_tokens): a number or a distribution. */
  output_tokens: lengthDist.optional(),
  /** Shared prefixes, for prefix caching: `groups` distinct prefixes of `tokens` tokens. */
  prefix: z.strictObject({ groups: boundedInt(1, BOUNDS.prompts), tokens: tokens() }).optional(),
  /** Prompts taken from the file (first N); default all. */
  limit: boundedInt(1, BOUNDS.prompts).optional(),
});

/**
 * Chat sessions (docs/recipe.md, "LLM sessions"): each request is one turn of a
 * conversation and carries the whole conversation so far.
 */
export const sessionsField = z.strictObject({
  /** Turns per session (a number or {mean, stdev, min, max}); a ShareGPT file gives each conversation's own. */
  turns: lengthDist.optional(),
  /** Pause between an answer and the next turn of the same session. */
  think_time: durationOrZeroField.optional(),
  /** A session ends before a turn whose conversation (estimated) plus max_tokens would exceed this. */
  max_context_tokens: boundedInt(2, BOUNDS.tokens).optional(),
});

/**
 * The server's own metrics, scraped while the load runs and shown beside the client's
 * figures (docs/metrics.md, "Server side"): where (default: the backend's usual place)
 * and how often (default 1s); `false` turns it off.
 */
export const serverMetricsField = z.union([
  z.literal(false),
  z.strictObject({ url: z.string().optional(), interval: durationField.optional() }),
]);

/** Keys every LLM backend accepts. */
export const llmFields = {
  prompts: promptsField.optional(),
  max_tokens: tokens().default(128),
  temperature: z.number().min(0).optional(),
  ignore_eos: z.boolean().optional(),
  stream: z.boolean().default(true),
  api_key: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  url: z.string().optional(),
  /** A local Hugging Face tokenizer (a folder with tokenizer.json): exact prompt lengths and token counts (docs/recipe.md). */
  tokenizer: z.string().min(1).optional(),
  sessions: sessionsField.optional(),
  server_metrics: serverMetricsField.optional(),
};

/** Each backend's keys beside the shared ones, here so its adapter can type them without importing its definition (which loads it). */
export const openaiFields = {
  ...llmFields,
  api: z.enum(['completions', 'chat']).optional(),
  /** vLLM: usage in every chunk, so chunk token counts are exact. */
  continuous_usage_stats: z.boolean().optional(),
};
export const ollamaFields = {
  ...llmFields,
  api: z.enum(['generate', 'chat']).optional(),
  /** How long Ollama keeps the model loaded after a request (its `keep_alive`). */
  keep_alive: z.string().optional(),
};

const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
/** A KServe v2 input tensor; -1 dimensions take `batch_size` (default 1). */
export const tensorInput = z.strictObject({ name: z.string().min(1), datatype: z.enum(DATATYPES), shape: z.array(z.int().min(-1)).min(1) });
export const tritonFields = {
  ...llmFields,
  inputs: z.array(tensorInput).min(1).optional(),
  outputs: z.array(z.string()).optional(),
  /** Extra `parameters` sent with generate requests (model-specific). */
  parameters: z.record(z.string(), z.unknown()).optional(),
  model_version: z.string().optional(),
};

export type PromptsConfig = z.infer<typeof promptsField>;
export type SessionsConfig = z.infer<typeof sessionsField>;
