import type { ServerPlan } from '../plan.js';
import { safeFileName, shellJoin, shellQuote } from '../quote.js';
import { envLines, outputPattern, recipeEnvNames, sbatchDirectives, type SlurmFields } from './directives.js';

/** Where one job's files are, once its id is known. */
export interface JobFiles {
  output: string;
  serviceLog: string;
  endpoint: string;
}

/** File names of a service job: `<dir>/aifb-<service>-<jobid>.{out,service.log,endpoint.json}`. */
export function jobFiles(dir: string, service: string, jobId: string): JobFiles {
  const stem = `${dir}/aifb-${safeFileName(service)}-${jobId}`;
  return { output: `${stem}.out`, serviceLog: `${stem}.service.log`, endpoint: `${stem}.endpoint.json` };
}

const HEADER = (what: string) => [
  '#!/bin/bash',
  `# ${what}, written by aifb.`,
  '# Every value is a quoted literal. Secrets are not in this file: the job reads them',
  '# from the environment sbatch was run in.',
];

export interface ServiceScriptInput {
  plan: ServerPlan;
  slurm: SlurmFields;
  /** Absolute directory for the job's output, the service log and the endpoint file. */
  dir: string;
  /** argv that runs aifb on the compute node (for the readiness check). */
  aifb: string[];
}

/**
 * The batch script of one service job: start the server in the foreground of a job
 * step, run aifb's readiness check inside the job, and only then write the endpoint
 * file (atomically) for the client to find. If the check fails the job ends, so no
 * half-started server keeps its allocation.
 */
export function serviceScript(i: ServiceScriptInput): string {
  const { plan } = i;
  const stem = `aifb-${safeFileName(plan.service)}`;
  const base = `${i.dir}/${stem}-`;
  const ready = plan.ready === undefined ? [] : ['--ready', JSON.stringify(plan.ready)];
  const probe = [...i.aifb, 'slurm', 'probe', ...ready, '--port', String(plan.port), '--timeout', String(Math.ceil(plan.launcher.readyTimeoutMs / 1000))];
  return [
    ...HEADER(`Slurm job for the service "${plan.service.replace(/[\r\n]/g, ' ')}"`),
    ...sbatchDirectives(i.slurm, { jobName: `aifb-${plan.service}`, output: outputPattern(i.dir, stem) }),
    '',
    'set -uo pipefail',
    ...envLines(plan.env, plan.secretEnv.filter((k) => k in plan.env)),
    `SERVICE_LOG=${shellQuote(base)}"\${SLURM_JOB_ID}.service.log"`,
    `ENDPOINT_FILE=${shellQuote(base)}"\${SLURM_JOB_ID}.endpoint.json"`,
    ...(plan.dataDir ? [`mkdir -p -- ${shellQuote(plan.dataDir)}`] : []),
    '',
    '# A server already on this port (another job, another user) would answer our checks.',
    `${shellJoin([...i.aifb, 'slurm', 'probe', '--free', '--port', String(plan.port)])} >&2 || exit 1`,
    '# The server runs in the foreground of a job step (not an Apptainer instance), so',
    '# ending the job (scancel, time limit) ends the server.',
    `srun --ntasks=1 --nodes=1 --kill-on-bad-exit=1 ${shellJoin(plan.argv)} >"$SERVICE_LOG" 2>&1 &`,
    'SERVICE_PID=$!',
    `if ! ${shellJoin(probe)} --log "$SERVICE_LOG" --pid "$SERVICE_PID"; then`,
    `  echo ${shellQuote(`aifb: ${plan.service} did not become ready; ending the job`)} >&2`,
    '  kill "$SERVICE_PID" 2>/dev/null',
    '  wait "$SERVICE_PID" 2>/dev/null',
    '  exit 1',
    'fi',
    'NODE=${SLURMD_NODENAME:-$(hostname -s)}',
    '# Clients on other nodes reach this one at the address Slurm itself uses (NodeAddr),',
    '# which is its host name on most clusters; the host name when Slurm gives none.',
    `ADDR=$(scontrol show node "$NODE" -o 2>/dev/null | sed -n 's/.*[[:space:]]NodeAddr=\\([^[:space:]]*\\).*/\\1/p')`,
    'ADDR=${ADDR:-$(hostname -s)}',
    `printf '{"host":"%s","port":%s,"job_id":"%s","node":"%s"}\\n' "$ADDR" ${plan.port} "$SLURM_JOB_ID" "$NODE" >"$ENDPOINT_FILE.tmp"`,
    'mv -f "$ENDPOINT_FILE.tmp" "$ENDPOINT_FILE"',
    `echo "aifb: ${plan.service.replace(/[^A-Za-z0-9_.-]/g, '_')} ready at $ADDR:${plan.port} (node $NODE)"`,
    'wait "$SERVICE_PID"',
    '',
  ].join('\n');
}

export interface ClientScriptInput {
  benchmarkId: string;
  slurm: SlurmFields;
  dir: string;
  cwd: string;
  recipeFile: string;
  /** Redacted recipe text: the names it takes from the environment are checked up front. */
  recipeText: string;
  aifb: string[];
  /** The command line's overrides, given again to aifb in the job (secret values as \${VAR} references). */
  overrideArgs?: string[];
  /** The variables those references name: required in the environment sbatch runs in. */
  overrideEnv?: string[];
  /** Services started as their own jobs, in the order their job ids are passed. */
  services: string[];
  /** Load-generator tasks (the largest `generators` of any service). */
  generators: number;
  metricsDb: string;
  reportsDir: string;
}

/** How the client script is submitted: after every service job has started, with their ids. */
export function clientSubmitArgs(jobIds: readonly string[]): string[] {
  return jobIds.length > 0 ? [`--dependency=after:${jobIds.join(':')}`] : [];
}

/**
 * The client job: starts once every service job has started (`after:`), waits for
 * their endpoints, runs the benchmark (one `aifb run`, or one `aifb slurm worker` per
 * Slurm task whose shards are merged), and cancels the service jobs when it ends. The
 * service job ids arrive as arguments, so the script is complete before anything is
 * submitted (`aifb slurm script` prints it as it will run).
 */
export function clientScript(i: ClientScriptInput): string {
  const n = i.services.length;
  const stem = `aifb-${safeFileName(i.benchmarkId)}-client`;
  const shardDir = `${i.dir}/shards`;
  const body =
    i.generators > 1
      ? [
          '# One job step per generator (srun), spread over the allocated nodes; a node that',
          '# fails ends only its own steps, and the merge names the shards it took with it.',
          shellJoin([...i.aifb, 'slurm', 'generators', i.recipeFile, '--id', i.benchmarkId, '--count', String(i.generators), '--shard-dir', shardDir, '--out', i.metricsDb, '--reports', i.reportsDir, ...(i.overrideArgs ?? [])]),
        ]
      : [shellJoin([...i.aifb, 'run', i.recipeFile, '--id', i.benchmarkId, '--quiet', ...(i.overrideArgs ?? [])])];
  const usage = `usage: sbatch --dependency=after:ID1:ID2... THIS_SCRIPT ${i.services.map((s) => `JOBID_OF_${safeFileName(s)}`).join(' ')}`.trim();
  return [
    ...HEADER(`Slurm client job of benchmark ${i.benchmarkId}`),
    // --no-kill: a failed generator node must not end the job, whose batch step merges the rest.
    ...sbatchDirectives(i.generators > 1 ? { ...i.slurm, extra_args: ['--no-kill', ...(i.slurm.extra_args ?? [])] } : i.slurm, {
      jobName: stem,
      output: outputPattern(i.dir, stem),
      ntasks: i.generators,
    }),
    '',
    'set -uo pipefail',
    `if [ "$#" -ne ${n} ]; then echo ${shellQuote(usage)} >&2; exit 2; fi`,
    ...(n > 0
      ? [
          'SERVICE_JOBS=("$@")',
          '# The client owns the service jobs: however it ends, they end with it.',
          `trap 'scancel "\${SERVICE_JOBS[@]}" 2>/dev/null || true' EXIT`,
          `export AIFB_SLURM_DIR=${shellQuote(i.dir)}`,
          `export AIFB_SLURM_SERVICES=${shellQuote(JSON.stringify(i.services))}`,
          'export AIFB_SLURM_JOBS="$*"',
        ]
      : []),
    ...envLines({}, [...recipeEnvNames(i.recipeText), ...(i.overrideEnv ?? [])]),
    `cd -- ${shellQuote(i.cwd)} || exit 1`,
    ...body,
    '',
  ].join('\n');
}
