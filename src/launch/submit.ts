import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Plan } from '../recipe/types.js';
import { overrideArgv, type Override } from '../recipe/overrides.js';
import { scrub } from '../util/scrub.js';
import type { BackendRegistry } from '../services/registry.js';
import type { Logger } from '../util/log.js';
import { launcherOf } from './config.js';
import { imageCacheDir } from './index.js';
import { onExitKill } from './local.js';
import { planServer } from './plan.js';
import { startSeedServices } from './seed.js';
import { safeFileName } from './quote.js';
import { generatorTasks } from './shard.js';
import { sbatch, scancel, scancelSync } from './slurm/commands.js';
import { secretValues, type SlurmFields } from './slurm/directives.js';
import { clientScript, clientSubmitArgs, serviceScript } from './slurm/script.js';

/** One batch script, ready to write and submit. */
export interface ScriptFile {
  /** Service name, or '' for the client job. */
  service: string;
  file: string;
  text: string;
  /** Secret values the job needs, passed in sbatch's environment (never in the script). */
  secrets?: Record<string, string>;
}

export interface Submission {
  benchmarkId: string;
  dir: string;
  services: ScriptFile[];
  client: ScriptFile;
}

export interface SubmissionOptions {
  benchmarkId: string;
  cwd: string;
  registry: BackendRegistry;
  aifb: string[];
  /** Slurm options of the client job (partition, account, time, …). */
  client: SlurmFields;
  env?: NodeJS.ProcessEnv;
  /** The command line's overrides (--rate, --set …): the job runs the recipe with them, in their order. */
  overrides?: readonly Override[];
}

/** Prefix of the variables that carry a secret override's value into the client job. */
export const OVERRIDE_ENV_PREFIX = 'AIFB_OVERRIDE_';

/**
 * The overrides as the client job's command line gives them again. One whose text holds a
 * secret (a value under a secret-named key, or one from the environment: what scrub hides)
 * is written as a \${AIFB_OVERRIDE_<i>} reference that aifb resolves in the job, and its
 * value travels in the environment sbatch runs in, never in the script.
 */
export function jobOverrides(overrides: readonly Override[]): { args: string[]; secrets: Record<string, string> } {
  const secrets: Record<string, string> = {};
  const rewritten = overrides.map((o, i) => {
    if (scrub(o.flag) === o.flag) return o;
    const name = `${OVERRIDE_ENV_PREFIX}${i}`;
    secrets[name] = typeof o.value === 'string' ? o.value : JSON.stringify(o.value);
    const space = o.flag.indexOf(' ');
    const text = o.flag.slice(space + 1);
    // The value follows PATH= (--set) or NAME= (--rate web=…); a bare shorthand value is all of it.
    const eq = o.flag.startsWith('--set ') || text.includes('=') ? text.indexOf('=') + 1 : 0;
    return { ...o, flag: `${o.flag.slice(0, space)} ${text.slice(0, eq)}\${${name}}` };
  });
  return { args: overrideArgv(rewritten), secrets };
}

/**
 * Every script of a benchmark run as Slurm jobs: one per service whose launcher is
 * `slurm`, and the client job that benchmarks them. Nothing is written or submitted.
 */
export function buildSubmission(recipePlan: Plan, o: SubmissionOptions): Submission {
  // Under Slurm, the seed's services (a slurm block and a container_image) are started as jobs, as the seed did.
  const plan = startSeedServices(recipePlan);
  const logsDir = isAbsolute(plan.global.logsDir) ? plan.global.logsDir : resolve(o.cwd, plan.global.logsDir);
  const dir = join(logsDir, 'slurm', safeFileName(o.benchmarkId));
  const planCtx = { cwd: o.cwd, logsDir, imageCache: imageCacheDir(o.env) };
  const services = plan.services
    .filter((s) => launcherOf(s.fields).type === 'slurm')
    .map((s) => {
      const server = planServer(s, o.registry.resolve(s.type, s.backend), planCtx, 'slurm');
      return {
        service: s.name,
        file: join(dir, `aifb-${safeFileName(s.name)}.sbatch`),
        text: serviceScript({ plan: server, slurm: (s.fields.slurm ?? {}) as SlurmFields, dir, aifb: o.aifb }),
        secrets: secretValues(server.env, server.secretEnv),
      };
    });
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(o.cwd, p));
  const overrides = jobOverrides(o.overrides ?? []);
  const client: ScriptFile = {
    service: '',
    file: join(dir, 'aifb-client.sbatch'),
    text: clientScript({
      benchmarkId: o.benchmarkId,
      slurm: o.client,
      dir,
      cwd: o.cwd,
      recipeFile: abs(plan.sourceFile),
      recipeText: plan.redactedText,
      aifb: o.aifb,
      overrideArgs: overrides.args,
      overrideEnv: Object.keys(overrides.secrets),
      services: services.map((s) => s.service),
      generators: generatorTasks(plan),
      metricsDb: abs(plan.global.metricsDb),
      reportsDir: abs(plan.global.reportsDir),
    }),
    secrets: overrides.secrets,
  };
  return { benchmarkId: o.benchmarkId, dir, services, client };
}

/**
 * Client job options a recipe implies when the command line gives none: the account
 * and QoS of its services (the partition is not inherited: it may be a GPU one).
 */
export function clientSlurmDefaults(plan: Plan): SlurmFields {
  const first = plan.services.map((s) => s.fields.slurm as SlurmFields | undefined).find((s) => s !== undefined) ?? {};
  return { ...(first.account ? { account: first.account } : {}), ...(first.qos ? { qos: first.qos } : {}), ...(first.time ? { time: first.time } : {}) };
}

export interface Submitted {
  services: { service: string; job: string }[];
  client: string;
}

/**
 * Writes and submits the scripts: service jobs first, then the client with an `after:`
 * dependency on them. If any submission fails, the jobs already queued are cancelled.
 */
export async function submit(s: Submission, log: Logger): Promise<Submitted> {
  mkdirSync(s.dir, { recursive: true });
  for (const f of [...s.services, s.client]) writeFileSync(f.file, f.text, { mode: 0o700 });
  const queued: string[] = [];
  const unregister = onExitKill(() => scancelSync(queued));
  try {
    const services: Submitted['services'] = [];
    for (const f of s.services) {
      const job = await sbatch(f.file, [], [], f.secrets && Object.keys(f.secrets).length > 0 ? { ...process.env, ...f.secrets } : undefined);
      queued.push(job);
      services.push({ service: f.service, job });
      log.info(`service "${f.service}": Slurm job ${job}`);
    }
    const ids = services.map((x) => x.job);
    const secrets = s.client.secrets ?? {};
    const client = await sbatch(s.client.file, clientSubmitArgs(ids), ids, Object.keys(secrets).length > 0 ? { ...process.env, ...secrets } : undefined);
    log.info(`client: Slurm job ${client} (starts after ${ids.length ? ids.join(', ') : 'nothing'})`);
    return { services, client };
  } catch (err) {
    await scancel(queued);
    throw err;
  } finally {
    unregister();
  }
}
