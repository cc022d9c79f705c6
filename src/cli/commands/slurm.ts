import { writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { probeInJob } from '../../launch/probe.js';
import { aifbCommand } from '../../launch/self.js';
import { describeJob, jobInfo, listJobs } from '../../launch/slurm/commands.js';
import type { SlurmFields } from '../../launch/slurm/directives.js';
import { followJobs, jobLogs } from '../../launch/slurm/follow.js';
import { cancelAndWait } from '../../launch/slurm/job.js';
import { buildSubmission, clientSlurmDefaults, submit } from '../../launch/submit.js';
import { runShard } from '../../launch/worker.js';
import { loadRecipeFile } from '../../recipe/load.js';
import { builtinRegistry } from '../../services/catalog.js';
import { createLogger } from '../../util/log.js';
import { parseCommandArgs, positiveInt } from '../args.js';
import type { Command, CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { checkBenchmarkId, makeDirs, outDirArg } from '../preflight.js';
import { newBenchmarkId } from './run.js';
import { generatorsCmd } from './slurm-generators.js';

const USAGE = `aifb slurm <subcommand> [options]   (docs/hpc.md)

  script RECIPE [--out DIR]   print the batch scripts (service jobs, client job) without
                              submitting; --out writes them into DIR instead
  submit RECIPE [--wait]      submit the service jobs and the client job that runs the
                              benchmark; --wait follows them (Ctrl-C cancels everything)
  status [JOBID...]           aifb jobs (or the given ones): state, pending reason, node
  cancel JOBID... | --all     cancel jobs (--all: every aifb job of yours) and wait until gone
  logs JOBID [--lines N]      last lines of the job's output and of its service log

Options of script and submit (the client job's Slurm options; account, qos and time
default to those of the recipe's services):
  --partition P  --account A  --time T  --qos Q  --mem M  --constraint C
  --extra-arg ARG             one more sbatch option for the client job, e.g. --extra-arg=--overcommit
                              (generators share the allocated CPUs); repeatable
  --id ID                     benchmark id (default benchmark_<unix time>_<random>)

Used inside jobs:
  worker RECIPE --id ID (--shard-dir DIR | --db FILE) [--index K] [--service NAME]
                              run load generator K (default $SLURM_PROCID) into its shard
  generators RECIPE --id ID --count N --shard-dir DIR --out DB [--reports DIR]
                              run N generators as job steps over the job's nodes, then merge
                              their shards (a shard lost with its node is named, run partial)
  probe --port P [--ready JSON] [--log FILE] [--pid PID] [--timeout S] [--free]
                              wait until the service in this job is ready (exit 0) or not (1);
                              --free: only check that nothing listens on the port yet`;

const CLIENT_FLAGS = ['partition', 'account', 'time', 'qos', 'mem', 'constraint'] as const;

const RECIPE_OPTIONS = {
  id: { type: 'string' },
  out: { type: 'string' },
  wait: { type: 'boolean' },
  partition: { type: 'string' },
  account: { type: 'string' },
  time: { type: 'string' },
  qos: { type: 'string' },
  mem: { type: 'string' },
  constraint: { type: 'string' },
  'extra-arg': { type: 'string', multiple: true },
} as const;

function prepare(args: string[], io: CommandIO, sub: 'script' | 'submit') {
  const { values, positionals } = parseCommandArgs(args, RECIPE_OPTIONS, `slurm ${sub}`);
  if (values.out !== undefined && sub !== 'script') throw new UsageError('slurm submit: --out is an option of slurm script');
  if (values.wait !== undefined && sub !== 'submit') throw new UsageError('slurm script: --wait is an option of slurm submit');
  const recipe = positionals[0];
  if (!recipe) throw new UsageError(`slurm ${sub}: give the recipe file (see aifb slurm --help)`);
  const plan = loadRecipeFile(resolve(io.cwd, recipe), { registry: builtinRegistry, env: io.env });
  const client: SlurmFields = { ...clientSlurmDefaults(plan) };
  for (const f of CLIENT_FLAGS) {
    const v = values[f];
    if (v !== undefined) client[f] = v;
  }
  if (values['extra-arg']) client.extra_args = values['extra-arg'];
  const benchmarkId = checkBenchmarkId(values.id) ?? newBenchmarkId();
  const submission = buildSubmission(plan, { benchmarkId, cwd: io.cwd, registry: builtinRegistry, aifb: aifbCommand(io.env), client, env: io.env });
  return { values, plan, submission };
}

async function scriptCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, submission } = prepare(args, io, 'script');
  const files = [...submission.services, submission.client];
  if (values.out !== undefined) {
    const dir = outDirArg(io.cwd, values.out, 'slurm script')!;
    makeDirs(dir);
    for (const f of files) writeFileSync(join(dir, f.file.split('/').at(-1)!), f.text, { mode: 0o700 });
    io.stdout.write(`${files.length} script(s) written to ${dir}\n`);
    return EXIT.ok;
  }
  for (const f of files) io.stdout.write(`# ==== ${f.file} ====\n${f.text}\n`);
  const ids = submission.services.map((s) => `<job of ${s.service}>`);
  io.stdout.write(
    `# Submitted as: sbatch --parsable <each service script>; then\n#   sbatch --parsable ${ids.length ? `--dependency=after:${ids.join(':')} ` : ''}${submission.client.file} ${ids.join(' ')}\n`,
  );
  return EXIT.ok;
}

async function submitCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, submission } = prepare(args, io, 'submit');
  const log = createLogger('info', (l) => io.stderr.write(l + '\n'));
  const jobs = await submit(submission, log);
  const all = [...jobs.services.map((s) => s.job), jobs.client];
  io.stdout.write(`benchmark ${submission.benchmarkId}: jobs ${all.join(' ')} (client ${jobs.client}); scripts and logs in ${submission.dir}\n`);
  if (!values.wait) return EXIT.ok;
  const stop = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const labels = { ...Object.fromEntries(jobs.services.map((s) => [s.job, `service "${s.service}"`])), [jobs.client]: 'client' };
    const last = await followJobs(jobs.client, labels, log, stop.signal);
    if (interrupted) {
      log.warn(`interrupted: cancelling jobs ${all.join(' ')}`);
      await cancelAndWait(all);
      return EXIT.sigint;
    }
    await cancelAndWait(jobs.services.map((s) => s.job));
    for (const l of await jobLogs(jobs.client, 30)) io.stderr.write(`---- ${l.file}\n${l.lines.join('\n')}\n`);
    return last.state === 'COMPLETED' ? EXIT.ok : EXIT.runtime;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function statusCmd(args: string[], io: CommandIO): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, 'slurm status');
  const jobs = positionals.length > 0 ? await Promise.all(positionals.map((id) => jobInfo(id))) : await listJobs('aifb-', io.env.USER);
  if (jobs.length === 0) io.stdout.write('no aifb jobs queued or running\n');
  for (const j of jobs) io.stdout.write(`${j.id}\t${j.name}\t${describeJob(j)}\n`);
  return EXIT.ok;
}

async function cancelCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { all: { type: 'boolean' } }, 'slurm cancel');
  const ids = values.all ? (await listJobs('aifb-', io.env.USER)).map((j) => j.id) : positionals;
  if (ids.length === 0) throw new UsageError(values.all ? 'slurm cancel: no aifb jobs to cancel' : 'slurm cancel: give job ids or --all');
  for (const id of ids) if (!/^\d+(_\d+)?$/.test(id)) throw new UsageError(`slurm cancel: "${id}" is not a job id`);
  await cancelAndWait(ids);
  for (const id of ids) io.stdout.write(`${id}\t${describeJob(await jobInfo(id))}\n`);
  return EXIT.ok;
}

async function logsCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { lines: { type: 'string' } }, 'slurm logs');
  const id = positionals[0];
  if (!id) throw new UsageError('slurm logs: give a job id');
  const logs = await jobLogs(id, positiveInt(values.lines, 'lines') ?? 40);
  if (logs.length === 0) throw new UsageError(`slurm logs: Slurm no longer knows job ${id}; its files are under <logs_dir>/slurm/`);
  for (const l of logs) io.stdout.write(`==== ${l.file}\n${l.lines.join('\n')}\n`);
  return EXIT.ok;
}

async function workerCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { id: { type: 'string' }, 'shard-dir': { type: 'string' }, db: { type: 'string' }, index: { type: 'string' }, service: { type: 'string' } },
    'slurm worker',
  );
  const recipe = positionals[0];
  if (!recipe || !values.id) throw new UsageError('slurm worker: give the recipe and --id');
  checkBenchmarkId(values.id);
  const index = values.index !== undefined ? Number(values.index) : Number(io.env.SLURM_PROCID ?? 0);
  if (!Number.isInteger(index) || index < 0) throw new UsageError(`slurm worker: bad generator index ${values.index}`);
  const db = values.db ?? (values['shard-dir'] ? join(values['shard-dir'], `shard-${index}.db`) : undefined);
  if (!db) throw new UsageError('slurm worker: give --shard-dir or --db');
  const log = createLogger('info', (l) => io.stderr.write(`[generator ${index}] ${l}\n`));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const abs = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
    const r = await runShard({ recipeFile: abs(recipe), index, benchmarkId: values.id, db: abs(db), only: values.service, env: io.env, log, stop: stop.signal });
    return stop.signal.aborted ? EXIT.sigterm : r.status === 'complete' ? EXIT.ok : EXIT.runtime;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function probeCmd(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      ready: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      log: { type: 'string' },
      pid: { type: 'string' },
      timeout: { type: 'string' },
      free: { type: 'boolean' },
    },
    'slurm probe',
  );
  const port = positiveInt(values.port, 'port');
  if (port === undefined) throw new UsageError('slurm probe: give --port');
  const timeoutSeconds = positiveInt(values.timeout, 'timeout') ?? 300;
  await probeInJob({ ready: values.ready, host: values.host, port, log: values.log, pid: positiveInt(values.pid, 'pid'), timeoutSeconds, free: values.free });
  io.stdout.write(values.free ? `aifb: port ${port} is free\n` : `aifb: the service answers on port ${port}\n`);
  return EXIT.ok;
}

const SUB: Record<string, (args: string[], io: CommandIO) => Promise<number>> = {
  script: scriptCmd,
  submit: submitCmd,
  status: statusCmd,
  cancel: cancelCmd,
  logs: logsCmd,
  worker: workerCmd,
  generators: generatorsCmd,
  probe: probeCmd,
};

export const slurmCommand: Command = {
  name: 'slurm',
  summary: 'run services and the benchmark as Slurm jobs (script, submit, status, cancel, logs)',
  usage: USAGE,
  subcommands: Object.keys(SUB),
  async run(args: string[], io: CommandIO): Promise<number> {
    const [sub, ...rest] = args;
    const fn = sub ? SUB[sub] : undefined;
    if (!fn) throw new UsageError(`slurm: unknown subcommand "${sub ?? ''}"; expected ${Object.keys(SUB).join(', ')}`);
    return fn(rest, io);
  },
};
