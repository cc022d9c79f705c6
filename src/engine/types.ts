import type { Sample } from '../metrics/sample.js';
import type { MetricsStore, ServiceStatus } from '../metrics/store.js';
import type { ServiceSpec } from '../recipe/types.js';
import type { Override } from '../recipe/overrides.js';
import type { BackendDefinition } from '../services/contract.js';
import type { BackendRegistry } from '../services/registry.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { LiveStats } from './live.js';

/*
 * The engine's types, apart from the modules that run it, so the orchestrator, its steps,
 * the service threads and the layers above (src/launch, src/cli) share them without one
 * importing another.
 */

/** Something that watches a run as it happens. */
export interface RunObserver {
  serviceStarted?(spec: ServiceSpec, live: LiveStats): void;
  /** Every measured sample, after it has been queued for the database. */
  sample?(spec: ServiceSpec, sample: Sample): void;
  serviceEnded?(spec: ServiceSpec, result: ServiceRunResult, live: LiveStats): void;
}

export interface ServiceRunResult {
  name: string;
  status: ServiceStatus;
  error?: string;
  /** The failure came from the recipe (unreachable endpoint, wrong credentials, bad path). */
  badInput?: boolean;
}

/** What a service's run writes to: the run's MetricsStore, or a service thread's channel to it (threads/sink.ts). */
export type ServiceStore = Pick<MetricsStore, 'append' | 'saveService' | 'saveStepGroup' | 'saveClientLoad' | 'flush'>;

/** A barrier services pass together (gate.ts), or a service thread's view of the host's. */
export interface Gate {
  arrive(): Promise<void>;
}

/** A service the launch layer started: the spec pointed at where it answers, and how to stop it. */
export interface LaunchedService {
  spec: ServiceSpec;
  stop(): Promise<void>;
}

/**
 * What the layer above the engine (src/launch) does for a service: start it before its
 * load, and split the load between generators. The engine drives whatever it is given
 * and runs without one: nothing is started, each service is one generator.
 */
export interface ServiceLauncher {
  /** Starts the service as its recipe says (or attaches to it); undefined when it is already running. */
  launch(spec: ServiceSpec, def: BackendDefinition, ctx: { log: Logger; logsDir: string; signal: AbortSignal }): Promise<LaunchedService | undefined>;
  /** How many generators share the service's load, and whether they are worker threads or child processes. */
  generators(spec: ServiceSpec): { count: number; kind: 'thread' | 'process' };
  /** Generator k's share of the service; undefined when it has nothing to do. */
  share(spec: ServiceSpec, k: number): ServiceSpec | undefined;
  /** Runs generators that keep databases of their own (processes), merges them into the run's, and reports one service. */
  runGenerators(spec: ServiceSpec, launched: LaunchedService | undefined, o: BenchmarkOptions & { store: MetricsStore }, log: Logger): Promise<ServiceRunResult>;
}

export interface BenchmarkOptions {
  benchmarkId: string;
  registry: BackendRegistry;
  store: ServiceStore;
  clock: Clock;
  log: Logger;
  /** Aborting it stops the load everywhere; the run then ends as partial. */
  stop: AbortSignal;
  maxWorkers: number;
  sequential: boolean;
  graceMs?: number;
  setupTimeoutMs?: number;
  /** Set by runBenchmark when services run together: each waits at the first after its setup, at the second before its teardown. */
  startGate?: Gate;
  endGate?: Gate;
  /**
   * `per-service` (the default): when services run in parallel, each runs its load on a
   * thread of its own (threads/), and `generators: N` on N threads; `one`: every load on
   * this thread (generators still get theirs). Threads need `registryModule`.
   */
  threads?: 'per-service' | 'one';
  /** URL of a module exporting the backend registry as `registry`, for service threads to load. */
  registryModule?: string;
  /** Set by runBenchmark: more than one service runs at a time. */
  parallel?: boolean;
  /** Set by runBenchmark: service threads the run may have at once. */
  runThreads?: number;
  /** Which thread this runs on, for the client-load figures (service threads set it). */
  thread?: { kind: 'main' | 'service'; generator: number };
  /** Observers of the run (live display, Prometheus export); called on the hot path, keep them cheap. */
  observers?: RunObserver[];
  /** Starts services and splits their load (src/launch's `serviceLauncher`); without it nothing is started and `generators` is 1. */
  launcher?: ServiceLauncher;
  /**
   * Scrape each service's server metrics while its load runs (the backend's
   * `serverMetrics`; `aifb run` sets it). Off for shards and generators' own runs, whose
   * parent scrapes, and for tests that count a server's requests.
   */
  serverMetrics?: boolean;
  /** Where launched services and generators keep logs, and the recipe (with the command line's overrides) generator processes read again; runBenchmark fills it from the plan. */
  launch?: { logsDir: string; recipeFile: string; overrides?: readonly Override[] };
}

export interface BenchmarkResult {
  status: 'complete' | 'partial' | 'failed';
  services: ServiceRunResult[];
  /** Some service failed because of what the recipe says (exit code 2). */
  badInput: boolean;
}
