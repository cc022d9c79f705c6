import { parseDurationMs } from '../util/units.js';
import type { LauncherConfig, ReadySpec, Runtime } from './types.js';

type Fields = Readonly<Record<string, unknown>>;

/** Defaults (docs/hpc.md quotes them). */
export const LAUNCH_DEFAULTS = {
  readyTimeoutMs: 300_000,
  queueTimeoutMs: 3_600_000,
};

/**
 * The service's launcher with defaults: none given means `external` (the service is
 * already running at service_url/host). A container_image with no runtime means
 * Apptainer.
 */
export function launcherOf(fields: Fields): LauncherConfig {
  const raw = fields.launcher;
  const block = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const type = (typeof raw === 'string' ? raw : (block.type as string | undefined)) ?? 'external';
  const runtime = (block.runtime as Runtime | undefined) ?? (typeof fields.container_image === 'string' && !block.command ? 'apptainer' : 'native');
  const ms = (v: unknown, d: number) => (typeof v === 'number' || typeof v === 'string' ? (parseDurationMs(v) ?? d) : d);
  return {
    type: type as LauncherConfig['type'],
    runtime,
    apptainerMode: (block.apptainer as 'exec' | 'run' | undefined) ?? 'exec',
    command: block.command as string[] | undefined,
    ready: block.ready as ReadySpec | undefined,
    readyTimeoutMs: ms(block.ready_timeout, LAUNCH_DEFAULTS.readyTimeoutMs),
    queueTimeoutMs: ms(block.queue_timeout, LAUNCH_DEFAULTS.queueTimeoutMs),
    dataDir: block.data_dir as string | undefined,
    binds: (block.bind as string[] | undefined) ?? [],
  };
}

/** True when the service asks Slurm for a GPU; only then does Apptainer get `--nv`. */
export function wantsGpu(fields: Fields): boolean {
  const slurm = fields.slurm as { gres?: unknown } | undefined;
  return typeof slurm?.gres === 'string' && /(^|,)gpu([:,]|$)/i.test(slurm.gres);
}

/** How many load-generator processes share the service's load (1 unless the recipe says). */
export function generatorsOf(fields: Fields): number {
  return typeof fields.generators === 'number' && fields.generators > 1 ? fields.generators : 1;
}

/** Local generators run as worker threads unless the recipe asks for child processes. */
export function generatorKindOf(fields: Fields): 'thread' | 'process' {
  return fields.generator_kind === 'process' ? 'process' : 'thread';
}

/** Environment for the server from the recipe's `environment` (numbers and booleans as text). */
export function serviceEnv(fields: Fields): Record<string, string> {
  const env = (fields.environment ?? {}) as Record<string, string | number | boolean>;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}
