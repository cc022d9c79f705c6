/**
 * What it takes to start one service's server, as a backend's server.ts describes it
 * (BackendDefinition.server). Words may hold the placeholders `{port}`, `{host}` (the address to
 * listen on) and `{data_dir}`; the launcher fills them in.
 */
export interface ServerLaunch {
  /** argv of the server run natively (on the login node, a laptop, a compute node). */
  command?: string[];
  /** argv inside the container; absent with `apptainer run` (the image's own runscript). */
  containerCommand?: string[];
  /** Default image, e.g. `docker://ollama/ollama`; the recipe's container_image wins. */
  image?: string;
  /** The server's usual port; the recipe's `port` wins. */
  port?: number;
  env?: Record<string, string>;
  /** Where the server keeps persistent data inside the container (report §6.3.2). */
  dataDir?: string;
  /** Readiness when the recipe gives none. */
  ready?: ReadySpec;
  /** Names in `env` that hold secrets though their names do not say so (e.g. an access key as MINIO_ROOT_USER). */
  secretEnv?: string[];
}

/** Readiness as a recipe or backend states it; resolved against a host and port. */
export type ReadyItem = { http: string } | { tcp: true } | { log: string };
export type ReadySpec = ReadyItem | ReadyItem[];

export type LauncherType = 'external' | 'local' | 'slurm';
export type Runtime = 'native' | 'apptainer';

/** The recipe's launcher block, with defaults applied (see config.ts). */
export interface LauncherConfig {
  type: LauncherType;
  runtime: Runtime;
  apptainerMode: 'exec' | 'run';
  command: string[] | undefined;
  ready: ReadySpec | undefined;
  readyTimeoutMs: number;
  /** How long a Slurm job may wait in the queue before aifb gives up and cancels it. */
  queueTimeoutMs: number;
  dataDir: string | undefined;
  binds: string[];
}

/** Where a service answers once it is up. */
export interface Endpoint {
  host: string;
  port: number;
}

/** A service started by a launcher; `stop` ends it (idempotent, never throws). */
export interface Launched {
  endpoint: Endpoint;
  /** What to show about it: pid, Slurm job id, log file. */
  description: string;
  stop(): Promise<void>;
}
