import { UsageError } from '../../errors.js';
import { SECRET_KEY } from '../../recipe/secrets.js';
import { directiveValue, envName, envNamesIn, hasEnvValue, shellQuote } from '../quote.js';

/** The recipe's `slurm` block (report §6.2.1 plus cpus_per_task, mem, constraint, extra_args). */
export interface SlurmFields {
  partition?: string;
  account?: string;
  time?: string;
  nodes?: number;
  ntasks?: number;
  cpus_per_task?: number;
  mem?: string;
  qos?: string;
  gres?: string;
  constraint?: string;
  extra_args?: string[];
}

const KEYS: [keyof SlurmFields, string][] = [
  ['partition', 'partition'],
  ['account', 'account'],
  ['qos', 'qos'],
  ['time', 'time'],
  ['nodes', 'nodes'],
  ['ntasks', 'ntasks'],
  ['cpus_per_task', 'cpus-per-task'],
  ['mem', 'mem'],
  ['gres', 'gres'],
  ['constraint', 'constraint'],
];

/**
 * `#SBATCH` lines for a job: the recipe's values, each quoted (sbatch reads the same
 * quoting rules as sh), then the extra arguments, which must be `--name` or `--name=value`.
 */
export function sbatchDirectives(slurm: SlurmFields, fixed: { jobName: string; output: string; dependency?: string; ntasks?: number }): string[] {
  const lines = [`#SBATCH --job-name=${directiveValue('job-name', fixed.jobName)}`];
  for (const [key, flag] of KEYS) {
    const v = key === 'ntasks' && fixed.ntasks !== undefined ? fixed.ntasks : slurm[key];
    if (v === undefined || v === '' || Array.isArray(v)) continue;
    lines.push(`#SBATCH --${flag}=${directiveValue(key, v)}`);
  }
  if (fixed.dependency) lines.push(`#SBATCH --dependency=${directiveValue('dependency', fixed.dependency)}`);
  lines.push(`#SBATCH --output=${directiveValue('output', fixed.output)}`);
  for (const arg of slurm.extra_args ?? []) lines.push(`#SBATCH ${extraArg(arg)}`);
  return lines;
}

const FLAG = /^--?[A-Za-z][A-Za-z0-9-]*$/;

/** One extra sbatch argument: the flag checked, its value quoted. */
export function extraArg(arg: string): string {
  const eq = arg.indexOf('=');
  const flag = eq < 0 ? arg : arg.slice(0, eq);
  if (!FLAG.test(flag)) {
    throw new UsageError(`slurm extra_args: "${arg}" must be --option or --option=value (one option per item)`);
  }
  return eq < 0 ? flag : `${flag}=${directiveValue(flag, arg.slice(eq + 1))}`;
}

/** Slurm expands %j, %x, … in --output; a literal % in a directory must be doubled. */
export function outputPattern(dir: string, stem: string): string {
  return `${dir.replace(/%/g, '%%')}/${stem}-%j.out`;
}

/** True for environment names whose values are secrets (same rule as recipe redaction). */
export function isSecretName(name: string): boolean {
  return SECRET_KEY.test(name);
}

/**
 * The secret values of a job's environment, by name: handed to sbatch in its own
 * environment (which the job inherits), never written into the script.
 */
export function secretValues(env: Record<string, string>, also: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => isSecretName(k) || also.includes(k)));
}

/**
 * `export` lines for a job. Secret values are never written: the script requires the
 * variable in the environment sbatch runs in (sbatch passes it on) and fails early
 * with its name when it is missing.
 */
export function envLines(env: Record<string, string>, required: readonly string[] = []): string[] {
  const lines: string[] = [];
  const secret = new Set(required.map(envName));
  // A secret-named variable written in the recipe as plain text is not copied into the
  // script; one whose value came from \${VAR} is written as that reference (shellQuote).
  for (const [k, v] of Object.entries(env)) if (isSecretName(k) && !hasEnvValue(v)) secret.add(envName(k));
  const referenced = new Set(Object.values(env).flatMap(envNamesIn).filter((n) => !secret.has(n)));
  for (const k of [...referenced].sort()) lines.push(`: "\${${k}:?${k} must be set in the environment sbatch runs in (aifb never writes secrets into scripts)}"`);
  for (const k of [...secret].sort()) {
    lines.push(`: "\${${k}:?${k} must be set in the environment sbatch runs in (aifb never writes secrets into scripts)}"`, `export ${k}`);
  }
  for (const [k, v] of Object.entries(env)) {
    if (!secret.has(envName(k))) lines.push(`export ${envName(k)}=${shellQuote(v)}`);
  }
  return lines;
}

/** Names the recipe text takes from the environment (`${NAME}` or `${NAME:-default}` without a default). */
export function recipeEnvNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) if (!m[2]) names.add(m[1]!);
  return [...names].sort();
}
