import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import { onExitKill } from '../local.js';
import type { ServerPlan } from '../plan.js';
import { safeFileName } from '../quote.js';
import { aifbCommand } from '../self.js';
import type { Launched } from '../types.js';
import { sbatch, scancelSync } from './commands.js';
import { secretValues, type SlurmFields } from './directives.js';
import { cancelAndWait, waitForEndpoint } from './job.js';
import { jobFiles, serviceScript } from './script.js';

/** A service job someone else submitted: its id and where its endpoint appears. */
export interface Attachment {
  job: string;
  endpointFile: string;
}

export interface SlurmLaunchOptions {
  /** Absolute directory for scripts, job output, service logs and endpoint files. */
  dir: string;
  log: Logger;
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Submits the service's batch job, follows it until the job reports the service ready,
 * and returns where it answers. Any failure (job refused, ended, deadline, Ctrl-C)
 * cancels the job before the error goes up; stop() cancels it and waits until it is gone.
 */
export async function launchSlurm(plan: ServerPlan, slurm: SlurmFields, o: SlurmLaunchOptions): Promise<Launched> {
  mkdirSync(o.dir, { recursive: true });
  const script = serviceScript({ plan, slurm, dir: o.dir, aifb: aifbCommand() });
  const file = join(o.dir, `aifb-${safeFileName(plan.service)}-${Date.now()}.sbatch`);
  writeFileSync(file, script, { mode: 0o700 });
  const id = await sbatch(file, [], [], { ...process.env, ...secretValues(plan.env, plan.secretEnv) });
  const unregister = onExitKill(() => scancelSync([id]));
  const files = jobFiles(o.dir, plan.service, id);
  o.log.info(`submitted Slurm job ${id} for service "${plan.service}" (script ${file})`);
  const stop = async () => {
    await cancelAndWait([id]);
    unregister();
  };
  try {
    const endpoint = await waitForEndpoint(id, files.endpoint, {
      queueTimeoutMs: plan.launcher.queueTimeoutMs,
      readyTimeoutMs: plan.launcher.readyTimeoutMs,
      signal: o.signal,
      log: o.log,
      logFiles: [files.serviceLog, files.output],
      pollMs: o.pollMs,
      what: `service "${plan.service}"`,
    });
    o.log.info(`service "${plan.service}" is ready at ${endpoint.host}:${endpoint.port} (Slurm job ${id})`);
    return { endpoint, description: `Slurm job ${id}, log ${files.serviceLog}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Attaches to a service job someone else submitted (`aifb slurm submit`'s client job):
 * waits for its endpoint; the job's owner cancels it, so stop() does nothing.
 */
export async function attachSlurm(name: string, a: Attachment, plan: ServerPlan | undefined, o: SlurmLaunchOptions): Promise<Launched> {
  const endpoint = await waitForEndpoint(a.job, a.endpointFile, {
    queueTimeoutMs: plan?.launcher.queueTimeoutMs ?? 3_600_000,
    readyTimeoutMs: plan?.launcher.readyTimeoutMs ?? 300_000,
    signal: o.signal,
    log: o.log,
    logFiles: [a.endpointFile.replace(/\.endpoint\.json$/, '.service.log'), a.endpointFile.replace(/\.endpoint\.json$/, '.out')],
    pollMs: o.pollMs,
    what: `service "${name}"`,
  });
  o.log.info(`service "${name}" is ready at ${endpoint.host}:${endpoint.port} (Slurm job ${a.job})`);
  return { endpoint, description: `Slurm job ${a.job} (attached)`, stop: async () => {} };
}
