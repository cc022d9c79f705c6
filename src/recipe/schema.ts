import { z } from 'zod';
import { countField, durationField, durationOrZeroField, mixField, seedBooleanField, sizeMixField, textField } from './fields.js';
import { MSG } from '../messages.js';
import { BOUNDS, boundMessage, boundedInt } from './bounds.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'warning', 'error', 'critical'] as const;

const logLevel = z
  .string()
  .refine((v) => (LOG_LEVELS as readonly string[]).includes(v.toLowerCase()), { error: MSG.expectedLogLevel });

export const stageSchema = z.strictObject({
  duration: durationField,
  target: z.number().min(0).max(BOUNDS.rate, { error: boundMessage(BOUNDS.rate) }),
});

export const warmupSchema = z.union(
  [durationOrZeroField, z.strictObject({ requests: z.int().min(0) }), z.strictObject({ duration: durationOrZeroField })],
  { error: MSG.expectedWarmup },
);

/** Service-level objectives for goodput: a request counts when it meets every one that is set. */
export const sloSchema = z.strictObject({
  ttft_ms: z.number().positive().optional(),
  tpot_ms: z.number().positive().optional(),
  itl_ms: z.number().positive().optional(),
  e2el_ms: z.number().positive().optional(),
});

/** A list of load levels, one measured step each, or a search for the highest rate meeting the SLOs. */
export const sweepSchema = z.strictObject({
  rates: z.array(z.number().positive().max(BOUNDS.rate, { error: boundMessage(BOUNDS.rate, ' per second') })).min(1).max(BOUNDS.sweepSteps, { error: boundMessage(BOUNDS.sweepSteps, ' steps') }).optional(),
  clients: z.array(boundedInt(1, BOUNDS.clients)).min(1).max(BOUNDS.sweepSteps, { error: boundMessage(BOUNDS.sweepSteps, ' steps') }).optional(),
  step_duration: durationField.optional(),
});

export const searchSchema = z.strictObject({
  min_rate: z.number().positive().max(BOUNDS.rate, { error: boundMessage(BOUNDS.rate, ' per second') }),
  max_rate: z.number().positive().max(BOUNDS.rate, { error: boundMessage(BOUNDS.rate, ' per second') }),
  /** Steps of the bisection after the two ends. */
  steps: z.int().min(1).max(20).optional(),
  /** Share of requests that must meet every SLO for a step to pass. */
  target: z.number().gt(0).max(1).optional(),
  step_duration: durationField.optional(),
});

/** How load is offered to one service (docs/recipe.md explains each field). */
export const loadSchema = z.strictObject({
  mode: z.enum(['closed', 'open']).optional(),
  clients: boundedInt(1, BOUNDS.clients).optional(),
  think_time: durationOrZeroField.optional(),
  rate: z.number().positive().max(BOUNDS.rate, { error: boundMessage(BOUNDS.rate, ' per second') }).optional(),
  arrival: z.enum(['constant', 'poisson', 'gamma']).optional(),
  burstiness: z.number().positive().optional(),
  max_in_flight: boundedInt(1, BOUNDS.maxInFlight).optional(),
  exact_count: z.boolean().optional(),
  stages: z.array(stageSchema).min(1).max(BOUNDS.stages, { error: boundMessage(BOUNDS.stages, ' stages') }).optional(),
  warmup: warmupSchema.optional(),
  requests: boundedInt(1, BOUNDS.requests).optional(),
  seed: z.int().min(0).optional(),
  sweep: sweepSchema.optional(),
  search: searchSchema.optional(),
});

export const slurmSchema = z.strictObject({
  // The seed wrote each value into its #SBATCH line as it was: numbers are accepted as
  // text (a bare --time number is minutes to sbatch), counts as digits (src/recipe/seed.ts).
  partition: textField.optional(),
  account: textField.optional(),
  time: textField.optional(),
  nodes: countField(1).optional(),
  ntasks: countField(1).optional(),
  cpus_per_task: countField(1).optional(),
  mem: textField.optional(),
  qos: textField.optional(),
  gres: textField.optional(),
  constraint: textField.optional(),
  extra_args: z.array(z.string()).optional(),
});

const readyItemSchema = z.union(
  [z.strictObject({ http: z.string().min(1) }), z.strictObject({ tcp: z.literal(true) }), z.strictObject({ log: z.string().min(1) })],
  { error: 'expected {http: /path}, {tcp: true} or {log: regex}' },
);

/**
 * How aifb starts a service before benchmarking it (docs/hpc.md); absent means it is
 * already running. `launcher: slurm` is short for `launcher: {type: slurm}`; the string
 * is widened first so a typo inside the block gets its own message.
 */
export const launcherSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  z.strictObject({
    type: z.enum(['external', 'local', 'slurm']),
    runtime: z.enum(['native', 'apptainer']).optional(),
    apptainer: z.enum(['exec', 'run']).optional(),
    command: z.array(z.string()).min(1).optional(),
    ready: z.union([readyItemSchema, z.array(readyItemSchema).min(1)], { error: 'expected {http: /path}, {tcp: true}, {log: regex} or a list of them' }).optional(),
    ready_timeout: durationField.optional(),
    queue_timeout: durationField.optional(),
    data_dir: z.string().min(1).optional(),
    bind: z.array(z.string().min(1)).optional(),
  }),
);

/**
 * Keys every service accepts: the seed's flat field list (report §6.2.1, §7.3) plus the
 * load profile. Backends add their own keys through the registry.
 */
export const commonServiceShape = {
  service_name: z.string().min(1),
  service_type: z.string().min(1),
  backend: z.string().optional(),
  description: z.string().optional(),
  container_image: z.string().optional(),
  host: textField.optional(),
  // The seed's recipes quote ports ("11434"); anything else is named as it was written.
  port: z
    .union([
      z.int().min(1).max(65535),
      z.string().regex(/^\s*\d+\s*$/, { error: (iss) => `expected number, got text ${JSON.stringify(iss.input)}` }),
    ])
    .optional(),
  service_url: z.string().optional(),
  client_count: boundedInt(1, BOUNDS.clients).optional(),
  requests_per_second: z.number().positive().max(BOUNDS.rate, { error: boundMessage(BOUNDS.rate, ' per second') }).optional(),
  duration: durationField.optional(),
  timeout: durationField.optional(),
  load: loadSchema.optional(),
  slo: sloSchema.optional(),
  model: textField.optional(),
  dimension: boundedInt(1, BOUNDS.dimension).optional(),
  operation_mix: mixField.optional(),
  batch_size: boundedInt(1, BOUNDS.maxInFlight).optional(),
  search_k: boundedInt(1, BOUNDS.maxInFlight).optional(),
  collection_name: textField.optional(),
  object_sizes: sizeMixField.optional(),
  file_sizes: sizeMixField.optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  slurm: slurmSchema.optional(),
  launcher: launcherSchema.optional(),
  /** Load-generator processes sharing this service's load (Slurm tasks or local child processes). */
  generators: z.int().min(1).max(4096).optional(),
  /** How `aifb run` starts local generators: worker threads (default) or child processes. */
  generator_kind: z.enum(['thread', 'process']).optional(),
  database: textField.optional(),
  user: textField.optional(),
  password: textField.optional(),
  table_name: textField.optional(),
  endpoint_url: z.string().optional(),
  access_key: textField.optional(),
  secret_key: textField.optional(),
  bucket_name: textField.optional(),
  region: textField.optional(),
  base_path: z.string().optional(),
  use_direct_io: seedBooleanField.optional(),
  /** none, fsync, fdatasync, osync, dsync; the seed's boolean is fsync (true) or none (false). */
  sync_mode: z.union([z.string(), seedBooleanField]).optional(),
  // Checked against the service's backend (its declared metrics) in the second pass (load.ts): a
  // first-pass failure here would hide the unknown names that pass reports.
  thresholds: z.record(z.string(), z.unknown()).optional(),
} satisfies z.ZodRawShape;

export const benchmarkSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  duration: durationField.optional(),
});

export const globalSchema = z.strictObject({
  log_level: logLevel.optional(),
  metrics_db: z.string().min(1).optional(),
  reports_dir: z.string().min(1).optional(),
  logs_dir: z.string().min(1).optional(),
  pushgateway_url: z.string().optional(),
  /** `per_service` (default): services that run in parallel each get a thread of their own; `one`: all on one. */
  threads: z.enum(['per_service', 'one']).optional(),
  seed: z.int().min(0).optional(),
});

/** Builds the whole-recipe schema with the given schema for one service. */
export function recipeSchemaWith<S extends z.ZodType>(service: S) {
  return z.strictObject({
    benchmark: benchmarkSchema.optional(),
    global: globalSchema.optional(),
    services: z.array(service).min(1, { error: MSG.noServices }).max(BOUNDS.services, { error: boundMessage(BOUNDS.services, ' services') }),
  });
}

/** Loose service schema used for the first pass, before each service's backend is known. */
export const looseServiceSchema = z.looseObject(commonServiceShape);
export const looseRecipeSchema = recipeSchemaWith(looseServiceSchema);

export type ServiceFields = z.infer<typeof looseServiceSchema>;
export type RecipeFields = z.infer<typeof looseRecipeSchema>;
