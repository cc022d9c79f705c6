import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ServiceSpec } from '../recipe/types.js';
import type { BackendDefinition } from '../services/contract.js';
import type { Logger } from '../util/log.js';
import { launcherOf } from './config.js';
import { launchLocal } from './local.js';
import { planServer } from './plan.js';
import type { SlurmFields } from './slurm/directives.js';
import { attachSlurm, launchSlurm } from './slurm/launcher.js';
import { jobFiles } from './slurm/script.js';
import type { Endpoint, Launched } from './types.js';

export type { Launched, Endpoint } from './types.js';

export interface LaunchContext {
  log: Logger;
  /** The run's logs directory (recipe global.logs_dir); service logs and job files go below it. */
  logsDir: string;
  cwd?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** A service already started elsewhere: its endpoint, or the Slurm job that will write it. */
export interface AttachEntry {
  endpoint?: Endpoint;
  job?: string;
  endpointFile?: string;
}

/**
 * Services this process must not start itself, by name: `AIFB_ATTACH` (JSON, set by a
 * parent aifb for its generator processes) and the service jobs of a `aifb slurm
 * submit` client job (`AIFB_SLURM_SERVICES` names, `AIFB_SLURM_JOBS` ids, `AIFB_SLURM_DIR`).
 */
export function attachments(env: NodeJS.ProcessEnv): Record<string, AttachEntry> {
  const out: Record<string, AttachEntry> = {};
  try {
    if (env.AIFB_SLURM_SERVICES && env.AIFB_SLURM_JOBS && env.AIFB_SLURM_DIR) {
      const names = JSON.parse(env.AIFB_SLURM_SERVICES) as string[];
      const ids = env.AIFB_SLURM_JOBS.trim().split(/\s+/);
      names.forEach((name, i) => {
        if (ids[i]) out[name] = { job: ids[i], endpointFile: jobFiles(env.AIFB_SLURM_DIR!, name, ids[i]!).endpoint };
      });
    }
    if (env.AIFB_ATTACH) Object.assign(out, JSON.parse(env.AIFB_ATTACH) as Record<string, AttachEntry>);
  } catch {
    throw new UsageError('AIFB_ATTACH or AIFB_SLURM_SERVICES is not valid JSON');
  }
  return out;
}

/** Where pulled images are cached (`aifb containers pull` writes there). */
export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AIFB_IMAGE_CACHE ?? join(env.HOME ?? homedir(), '.cache', 'aifb', 'images');
}

/**
 * Starts the service as its `launcher` says, or attaches to one aifb started for this
 * run; returns undefined for `external` (already running: nothing to start or stop).
 */
export async function launchService(spec: ServiceSpec, def: BackendDefinition | undefined, ctx: LaunchContext): Promise<Launched | undefined> {
  const env = ctx.env ?? process.env;
  const cwd = ctx.cwd ?? process.cwd();
  const logsDir = isAbsolute(ctx.logsDir) ? ctx.logsDir : resolve(cwd, ctx.logsDir);
  const attached = attachments(env)[spec.name];
  const cfg = launcherOf(spec.fields);
  const planCtx = { cwd, logsDir, imageCache: imageCacheDir(env) };
  if (attached?.endpoint) return { endpoint: attached.endpoint, description: 'started by the parent aifb', stop: async () => {} };
  if (attached?.job && attached.endpointFile) {
    const plan = cfg.type === 'slurm' ? planServer(spec, def, planCtx, 'slurm') : undefined;
    return attachSlurm(spec.name, { job: attached.job, endpointFile: attached.endpointFile }, plan, { dir: logsDir, log: ctx.log, signal: ctx.signal });
  }
  if (cfg.type === 'external') return undefined;
  if (cfg.type === 'local') {
    return launchLocal(planServer(spec, def, planCtx, 'local'), { logsDir, log: ctx.log, signal: ctx.signal });
  }
  const slurm = (spec.fields.slurm ?? {}) as SlurmFields;
  return launchSlurm(planServer(spec, def, planCtx, 'slurm'), slurm, { dir: join(logsDir, 'slurm'), log: ctx.log, signal: ctx.signal });
}

/**
 * The service as the adapter should see it once launched: host, port and service_url
 * point at where it came up, and a `url` or `endpoint_url` keeps its path but gets
 * the new origin.
 */
export function withEndpoint(spec: ServiceSpec, e: Endpoint): ServiceSpec {
  const host = e.host.includes(':') && !e.host.startsWith('[') ? `[${e.host}]` : e.host;
  const origin = `http://${host}:${e.port}`;
  const fields: Record<string, unknown> = { ...spec.fields, host: e.host, port: e.port, service_url: origin };
  for (const key of ['url', 'endpoint_url']) {
    const v = fields[key];
    if (typeof v !== 'string') continue;
    try {
      const u = new URL(v);
      u.hostname = host;
      u.port = String(e.port);
      fields[key] = u.toString();
    } catch {
      fields[key] = origin;
    }
  }
  return { ...spec, fields };
}
