import type { z } from 'zod';
import type { Rng } from '../util/rng.js';
import type { ErrorClass, LlmFields } from '../metrics/sample.js';
import type { Logger } from '../util/log.js';
import type { MixEntry } from '../recipe/types.js';
import type { ServerLaunch } from '../launch/types.js';
import type { MetricDeclaration, TallyDeclaration } from '../metrics/declaration.js';
import type { FieldsOf, ServiceOf } from './fields.js';

export type { MetricDeclaration, TallyDeclaration };

/** What an adapter saw for one operation; the engine adds the timing. */
export interface OperationResult {
  ok: boolean;
  status?: number | string | null;
  /** Bytes received from the service (the seed's `response_size`). */
  bytesIn?: number;
  /** Bytes sent to the service. */
  bytesOut?: number;
  errorClass?: ErrorClass;
  message?: string;
  llm?: LlmFields;
  extra?: Record<string, unknown>;
  /**
   * Closed loop only: how long the client that ran this operation waits before its next
   * one, on top of the load's think_time (e.g. a chat user reading an answer before the
   * next turn). The engine ignores it in an open loop, where arrivals are scheduled.
   */
  pauseAfterMs?: number;
  /**
   * performance.now() when the service's answer was complete (its last byte), if the
   * backend time-stamps bytes as they arrive and parses them later: the operation ends
   * there, not when its result was ready (LLM streams, timed-body.ts).
   */
  completeAt?: number;
}

export interface SetupContext {
  benchmarkId: string;
  /** Seeded generator for setup work (initial data, payload pools). */
  rng: Rng;
  log: Logger;
  signal: AbortSignal;
}

export interface TeardownContext {
  benchmarkId: string;
  log: Logger;
  /** True when the run failed or was interrupted; teardown must still clean up. */
  failed: boolean;
}

/**
 * One backend: everything the engine needs to drive a service. The engine wraps it
 * once, so timing, timeouts, error classes and warm-up are handled in one place.
 */
export interface Adapter<Op = unknown> {
  /** Create only what the benchmark owns (table, bucket prefix, collection, directory). */
  setup(ctx: SetupContext): Promise<void>;
  /**
   * Build the next operation outside the timed window (payload, vector, prompt).
   * `client` is the closed-loop client that will send it (stable for that client's
   * whole run, so a backend can keep per-client state such as a chat session); it is
   * undefined in an open loop, where no client owns an arrival. `startsInMs` is, in an
   * open loop, how long from now the arrival is scheduled to start: negative when the run
   * is behind its schedule, so what is judged at the start (is a chat session ready?) is
   * judged at the arrival's time, however early or late it is prepared.
   */
  prepare(operation: string, rng: Rng, client?: number, startsInMs?: number): Op;
  /** Perform it. Throwing counts as a failure that the engine classifies. */
  execute(op: Op, signal: AbortSignal): Promise<OperationResult>;
  /**
   * Called once the operation has finished, whatever its outcome (bookkeeping), before
   * the sample is recorded: it may add to `result.extra` what only the backend knows
   * about the request (e.g. its session and turn, also for failures the engine classified).
   * `result` is undefined when the prepared operation was never sent.
   */
  release?(op: Op, result: OperationResult | undefined): void;
  /** Remove what setup created, also after a failed or interrupted run. */
  teardown(ctx: TeardownContext): Promise<void>;
  /**
   * Capability of backends that load data in setup (rows, vectors): what that load took
   * (sizes, seconds, rate), set by the end of setup. It is outside the timed window and
   * reported on its own; undefined when the backend loads nothing.
   */
  readonly loadPhase?: object;
  /**
   * After setup: the operations to run when the server decided them (a Triton model
   * the recipe names without an operation is run with infer or generate_stream, as its
   * metadata says); undefined keeps the recipe's mix.
   */
  resolvedMix?(): readonly MixEntry[] | undefined;
}

/**
 * A server's own figures at one instant, under aifb's backend-neutral names
 * (docs/metrics.md, "Server side"): `counters` only grow (the report takes their
 * differences over the run), `gauges` are levels (averaged and charted over time).
 */
export interface ServerReading {
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

/**
 * Where a backend's server publishes its own metrics and how to read them: the engine
 * fetches `url` on an interval while the load runs and stores what `read` returns.
 */
export interface ServerMetricsSource {
  url: string;
  intervalMs: number;
  /** The figures this backend knows in one response body (Prometheus text); unknown names are skipped. */
  read(text: string): ServerReading;
}

export interface BackendModule<S extends z.ZodRawShape = z.ZodRawShape> {
  /** The service comes with its fields parsed and defaulted by the definition's shape (services/fields.ts). */
  createAdapter(service: ServiceOf<S>): Adapter;
}

/**
 * A backend as the registry knows it without loading it: its recipe fields (zod,
 * light) and a lazy loader for the module that may pull in a heavy SDK. Every hook that
 * takes a service gets its fields parsed and defaulted by `fields` (`fieldsOf`), as
 * `createAdapter` does; `check` and `operationsFor` only once those keys are valid.
 */
export interface BackendDefinition<S extends z.ZodRawShape = z.ZodRawShape> {
  /** `service_type` value(s) that select it. */
  serviceTypes: readonly string[];
  /** `backend` value, when the service type has several. */
  backend?: string;
  /** True when this is the type's backend if the recipe names none. */
  isDefault?: boolean;
  /**
   * Other `backend` names that select it, e.g. the seed's `postgresql` for `postgres`
   * (docs/recipe.md, the seed's fields).
   */
  aliases?: readonly string[];
  description: string;
  /** Extra recipe keys this backend accepts beside the common ones. */
  fields: S;
  /** Operations it can run, and the mix used when the recipe gives none. */
  operations: readonly string[];
  defaultMix: Record<string, number>;
  /** When the recipe defines the operations (e.g. named HTTP requests): the ones this service has. */
  operationsFor?(service: FieldsOf<S>): readonly string[];
  /** The mix for this service when the recipe gives none (defaults to `defaultMix`). */
  defaultMixFor?(service: FieldsOf<S>): Record<string, number>;
  /** Checks across fields that zod shapes cannot express; returns messages by key path. */
  check?(service: FieldsOf<S>): { path: (string | number)[]; message: string }[];
  load(): Promise<BackendModule<S>>;
  /** The figures its results carry in `extra` beyond the engine's own (TTFB, token gaps, recall). */
  metrics?: readonly MetricDeclaration[];
  /** Bookkeeping its results carry in `extra` that is no metric (where token counts came from, chat sessions). */
  tallies?: readonly TallyDeclaration[];
  /** The knobs each operation runs with (a `search_params` entry), stored with the run so curves need not read them out of names. */
  operationParams?(service: FieldsOf<S>): Record<string, Record<string, number>>;
  /**
   * How to start this backend's server when the recipe asks aifb to (`launcher:`
   * local or slurm): command, image, port, data directory and readiness check, kept in
   * the backend's own server.ts. Absent, or undefined for this service, when aifb cannot
   * start it (embedded libraries, an endpoint of unknown make): the recipe's
   * `launcher.command` must say how.
   */
  server?(service: FieldsOf<S>): ServerLaunch | undefined;
  /**
   * The server's own metrics to scrape while a run goes on (llama.cpp, vLLM, Triton);
   * undefined when the server has none or the recipe turned them off. Kept light: the
   * reader parses text, it loads no SDK.
   */
  serverMetrics?(service: FieldsOf<S>): ServerMetricsSource | undefined;
}
