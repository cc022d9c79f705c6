/** The validated, normalised form of a recipe that the engine runs. */
import type { SourcePosition } from '../errors.js';
import type { Override } from './overrides.js';

export type ArrivalProcess = 'constant' | 'poisson' | 'gamma';

export interface Stage {
  durationMs: number;
  /** Rate in req/s (open loop) or number of clients (closed loop) reached at the stage's end. */
  target: number;
}

export type Warmup = { kind: 'none' } | { kind: 'time'; ms: number } | { kind: 'requests'; count: number };

interface LoadCommon {
  /** Starting level (rate or clients); stages ramp linearly from it. */
  stages: Stage[];
  warmup: Warmup;
  /** Length of the measured window; undefined when only `requests` ends the run. */
  durationMs: number | undefined;
  /** Measured requests to issue, when the recipe sets a count. */
  requests: number | undefined;
}

export interface ClosedLoad extends LoadCommon {
  mode: 'closed';
  clients: number;
  thinkTimeMs: number;
}

export interface OpenLoad extends LoadCommon {
  mode: 'open';
  rate: number;
  arrival: ArrivalProcess;
  /** Gamma shape; 1 is Poisson, below 1 is burstier, above 1 is more regular. */
  burstiness: number;
  maxInFlight: number;
  /** Offer exactly rate × duration requests (Poisson/gamma timing conditioned on the count). */
  exactCount: boolean;
}

export type LoadProfile = ClosedLoad | OpenLoad;

export interface MixEntry {
  operation: string;
  weight: number;
}

/** Service-level objectives (ms); unset ones are not checked. */
export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  itlMs?: number;
  e2elMs?: number;
}

/** Several measured steps of one service: a list of levels, or a search for the best rate. */
export type StepPlan =
  | { kind: 'sweep'; variable: 'rate' | 'clients'; values: number[]; stepDurationMs: number }
  | { kind: 'search'; minRate: number; maxRate: number; steps: number; target: number; stepDurationMs: number };

/** One service, resolved against its backend and ready to run. */
export interface ServiceSpec {
  name: string;
  type: string;
  backend: string | undefined;
  /** Every recipe field of the service (environment references already resolved). */
  fields: Readonly<Record<string, unknown>>;
  load: LoadProfile;
  mix: MixEntry[];
  timeoutMs: number;
  seed: number;
  slo: Slo | undefined;
  steps: StepPlan | undefined;
  /** Where the service is written in the recipe, for messages about it. */
  position?: SourcePosition | undefined;
  /** Set on the services a sweep or search runs: which group, which level. */
  step?: { group: string; variable: 'rate' | 'clients'; value: number };
}

export interface GlobalSettings {
  logLevel: string;
  metricsDb: string;
  reportsDir: string;
  logsDir: string;
  pushgatewayUrl: string | undefined;
  /** Where services' loads run when they run in parallel (docs/ARCHITECTURE.md, "Running services together"). */
  threads: 'per_service' | 'one';
}

export interface Plan {
  name: string;
  description: string | undefined;
  sourceFile: string;
  /** The recipe text with every plain-text secret replaced; safe to store. */
  redactedText: string;
  /** sha256 of redactedText. */
  recipeHash: string;
  global: GlobalSettings;
  services: ServiceSpec[];
  warnings: string[];
  /**
   * Where aifb reads a value of the seed's recipes differently from the seed's code, or
   * rewrote it into aifb's form (src/recipe/seed.ts); `aifb validate` prints them.
   */
  seedNotes?: string[];
  /** Command-line changes applied to the recipe (`--rate web=50`), as written; secrets scrubbed. */
  overrides?: string[];
  /**
   * The same overrides as parsed, for the load generators that read the recipe again
   * (local threads and processes, Slurm steps). Their values may be secrets: never written out.
   */
  overrideList?: readonly Override[];
}
