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
import { parseCommandArgs, positiveInt, type Options } from '../args.js';
import { helpFor, subcommandsHelp, type SubcommandHelp } from '../help.js';
import { OVERRIDE_FLAGS, overridesFrom } from '../overrides.js';
import { withStopSignal, type Command, type CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { checkBenchmarkId, makeDirs, outDirArg } from '../preflight.js';
import { newBenchmarkId } from './run.js';
import { GENERATORS_OPTIONS, generatorsCmd } from './slurm-generators.js';



const CLIENT_FLAGS = ['partition', 'account', 'time', 'qos', 'mem', 'constraint'] as const;

const CLIENT_OPTIONS = {
  id: { type: 'string', arg: 'ID', help: 'benchmark id (default benchmark_<unix time>_<random>)' },
  partition: { type: 'string', arg: 'P', help: "the client job's partition (not inherited from the services: theirs may be a GPU one)" },
  account: { type: 'string', arg: 'A', help: "the client job's account (default: the services')" },
  time: { type: 'string', arg: 'T', help: "the client job's time limit (default: the services')" },
  qos: { type: 'string', arg: 'Q', help: "the client job's QoS (default: the services')" },
  mem: { type: 'string', arg: 'M', help: "the client job's memory" },
  constraint: { type: 'string', arg: 'C', help: "the client job's node constraint" },
  'extra-arg': {
    type: 'string',
    multiple: true,
    arg: 'ARG',
    help: 'one more sbatch option for the client job, e.g. --extra-arg=--overcommit (generators share the allocated CPUs); repeatable',
  },
  ...OVERRIDE_FLAGS,
} as const satisfies Options;

const SCRIPT_OPTIONS = { ...CLIENT_OPTIONS, out: { type: 'string', arg: 'DIR', help: 'write the scripts into DIR instead of printing them' } } as const satisfies Options;
const SUBMIT_OPTIONS = { ...CLIENT_OPTIONS, wait: { type: 'boolean', help: 'follow the jobs until the client job ends (Ctrl-C cancels everything)' } } as const satisfies Options;
const OVERRIDES_NOTE =
  'The job runs the recipe with the same --rate/--clients/--duration/--set, in the same order; a value under a secret-named key is passed in the environment sbatch runs in, never written into a script.';
const WORKER_OPTIONS = {
  id: { type: 'string', arg: 'ID', help: 'the benchmark id' },
  'shard-dir': { type: 'string', arg: 'DIR', help: 'write shard-<K>.db into DIR' },
  db: { type: 'string', arg: 'FILE', help: 'write the shard into FILE' },
  index: { type: 'string', arg: 'K', help: 'the generator index (default $SLURM_PROCID)' },
  service: { type: 'string', arg: 'NAME', help: "run only this service's share" },
  ...OVERRIDE_FLAGS,
} as const satisfies Options;
const PROBE_OPTIONS = {
  ready: { type: 'string', arg: 'JSON', help: 'the readiness check (as the launcher plans it)' },
  host: { type: 'string', arg: 'H', help: 'the address to probe (default this node)' },
  port: { type: 'string', arg: 'P', help: 'the port the service listens on' },
  log: { type: 'string', arg: 'FILE', help: "the service's log, quoted when it is not ready" },
  pid: { type: 'string', arg: 'PID', help: "the service's process: its death ends the wait" },
  timeout: { type: 'string', arg: 'S', help: 'seconds to wait (default 300)' },
  free: { type: 'boolean', help: 'only check that nothing listens on the port yet' },
} as const satisfies Options;

const SUBS: SubcommandHelp[] = [
  { name: 'script', flags: SCRIPT_OPTIONS, usage: 'RECIPE [options]', summary: 'print the batch scripts (service jobs, client job) without submitting', description: `Prints the batch scripts (one per service job, and the client job) without submitting them; --out writes them into DIR. Account, QoS and time of the client job default to those of the recipe's services. ${OVERRIDES_NOTE}` },
  { name: 'submit', flags: SUBMIT_OPTIONS, usage: 'RECIPE [options]', summary: 'submit the service jobs and the client job that runs the benchmark', description: `Submits the service jobs and the client job that runs the benchmark (after the services have started). ${OVERRIDES_NOTE}` },
  { name: 'status', flags: {}, usage: '[JOBID...]', description: 'aifb jobs (or the given ones): state, pending reason, node' },
  { name: 'cancel', flags: { all: { type: 'boolean', help: 'every aifb job of yours' } }, usage: 'JOBID... | --all', description: 'cancel jobs and wait until they are gone' },
  { name: 'logs', flags: { lines: { type: 'string', arg: 'N', help: 'how many lines (default 40)' } }, usage: 'JOBID [--lines N]', description: "last lines of the job's output and of its service log" },
  { name: 'worker', flags: WORKER_OPTIONS, usage: 'RECIPE --id ID (--shard-dir DIR | --db FILE) [options]', summary: 'inside a job: run load generator K into its shard', description: 'Used inside jobs: runs load generator K (default $SLURM_PROCID) into its shard.' },
  { name: 'generators', flags: GENERATORS_OPTIONS, usage: 'RECIPE --id ID --count N --shard-dir DIR --out DB [options]', summary: 'inside a job: run N generators as job steps, then merge their shards', description: 'Used inside the client job: runs N generators as job steps over the job\'s nodes, then merges their shards (a shard lost with its node is named, the run partial).' },
  { name: 'probe', flags: PROBE_OPTIONS, usage: '--port P [options]', summary: 'inside a job: wait until the service in this job is ready', description: 'Used inside service jobs: waits until the service in this job is ready (exit 0) or not (1).' },
];
const TEXT = { usage: '<subcommand> [options]   (docs/hpc.md)', description: 'Runs services and the benchmark as Slurm jobs.' };

function prepare(args: string[], io: CommandIO, sub: 'script' | 'submit') {
  const { values, positionals, order } = parseCommandArgs(args, (sub === 'script' ? SCRIPT_OPTIONS : SUBMIT_OPTIONS) as typeof SCRIPT_OPTIONS & typeof SUBMIT_OPTIONS, `slurm ${sub}`);
  const recipe = positionals[0];
  if (!recipe) throw new UsageError(`slurm ${sub}: give the recipe file (see aifb slurm ${sub} --help)`);
  const overrides = overridesFrom(order);
  const plan = loadRecipeFile(resolve(io.cwd, recipe), { registry: builtinRegistry, env: io.env, overrides });
  const client: SlurmFields = { ...clientSlurmDefaults(plan) };
  for (const f of CLIENT_FLAGS) {
    const v = values[f];
    if (v !== undefined) client[f] = v;
  }
  if (values['extra-arg']) client.extra_args = values['extra-arg'];
  const benchmarkId = checkBenchmarkId(values.id) ?? newBenchmarkId();
  const submission = buildSubmission(plan, { benchmarkId, cwd: io.cwd, registry: builtinRegistry, aifb: aifbCommand(io.env), client, env: io.env, overrides });
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
  const hidden = Object.keys(submission.client.secrets ?? {});
  // aifb slurm submit passes these itself; by hand they must be in sbatch's environment.
  if (hidden.length) io.stdout.write(`#   with ${hidden.join(', ')} set to the secret value(s) given on the command line (the client job needs them)\n`);
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
  const { values, positionals } = parseCommandArgs(args, SUBS[3]!.flags as { all: { type: 'boolean' } }, 'slurm cancel');
  const ids = values.all ? (await listJobs('aifb-', io.env.USER)).map((j) => j.id) : positionals;
  if (ids.length === 0) throw new UsageError(values.all ? 'slurm cancel: no aifb jobs to cancel' : 'slurm cancel: give job ids or --all');
  for (const id of ids) if (!/^\d+(_\d+)?$/.test(id)) throw new UsageError(`slurm cancel: "${id}" is not a job id`);
  await cancelAndWait(ids);
  for (const id of ids) io.stdout.write(`${id}\t${describeJob(await jobInfo(id))}\n`);
  return EXIT.ok;
}

async function logsCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, SUBS[4]!.flags as { lines: { type: 'string' } }, 'slurm logs');
  const id = positionals[0];
  if (!id) throw new UsageError('slurm logs: give a job id');
  const logs = await jobLogs(id, positiveInt(values.lines, 'lines') ?? 40);
  if (logs.length === 0) throw new UsageError(`slurm logs: Slurm no longer knows job ${id}; its files are under <logs_dir>/slurm/`);
  for (const l of logs) io.stdout.write(`==== ${l.file}\n${l.lines.join('\n')}\n`);
  return EXIT.ok;
}

async function workerCmd(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals, order } = parseCommandArgs(args, WORKER_OPTIONS, 'slurm worker');
  const recipe = positionals[0];
  if (!recipe || !values.id) throw new UsageError('slurm worker: give the recipe and --id');
  checkBenchmarkId(values.id);
  const index = values.index !== undefined ? Number(values.index) : Number(io.env.SLURM_PROCID ?? 0);
  if (!Number.isInteger(index) || index < 0) throw new UsageError(`slurm worker: bad generator index ${values.index}`);
  const db = values.db ?? (values['shard-dir'] ? join(values['shard-dir'], `shard-${index}.db`) : undefined);
  if (!db) throw new UsageError('slurm worker: give --shard-dir or --db');
  const log = createLogger('info', (l) => io.stderr.write(`[generator ${index}] ${l}\n`));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
  return withStopSignal(async (stop) => {
    const r = await runShard({ recipeFile: abs(recipe), index, benchmarkId: values.id!, db: abs(db), only: values.service, env: io.env, log, stop, overrides: overridesFrom(order) });
    return stop.aborted ? EXIT.sigterm : r.status === 'complete' ? EXIT.ok : EXIT.runtime;
  });
}

async function probeCmd(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(args, PROBE_OPTIONS, 'slurm probe');
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
  usage: subcommandsHelp('slurm', SUBS, TEXT),
  helpFor: (args) => helpFor('slurm', SUBS, TEXT, args),
  flags: SUBS.flatMap((sub) => Object.keys(sub.flags).map((f) => `--${f}`)),
  subcommands: Object.keys(SUB),
  async run(args: string[], io: CommandIO): Promise<number> {
    const [sub, ...rest] = args;
    const fn = sub ? SUB[sub] : undefined;
    if (!fn) throw new UsageError(`slurm: unknown subcommand "${sub ?? ''}"; expected ${Object.keys(SUB).join(', ')}`);
    return fn(rest, io);
  },
};
