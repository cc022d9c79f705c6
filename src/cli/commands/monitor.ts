import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { aifbCommand } from '../../launch/self.js';
import type { SlurmFields } from '../../launch/slurm/directives.js';
import type { StackComponent } from '../../monitoring/stack/components.js';
import { setUpJob } from '../../monitoring/stack/job-setup.js';
import { localMonitor } from '../../monitoring/stack/local.js';
import { hasSlurmJob, slurmMonitor } from '../../monitoring/stack/slurm.js';
import { defaultImage } from '../../monitoring/stack/slurm-script.js';
import type { ComponentStatus, MonitorBackend, MonitorOptions, SlurmMonitorSettings } from '../../monitoring/stack/types.js';
import { parseCommandArgs, positiveInt, type Options } from '../args.js';
import { commandHelp } from '../help.js';
import type { Command, CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';



/** The seed's §5.5 tunnel, with this node's real name and the ports in use. */
export function tunnelCommand(node: string, ports: number[], user: string, loginHost: string, loginPort: number): string {
  const forwards = ports.map((p) => `-L ${p}:${node}:${p}`).join(' ');
  return `ssh ${forwards} ${user}@${loginHost} -p ${loginPort}`;
}

function describe(s: ComponentStatus): string {
  const who = s.job ? `(Slurm job ${s.job})` : s.pid ? `(pid ${s.pid})` : '';
  const parts = [s.name.padEnd(12), s.state.padEnd(13), s.url ?? '', who];
  return parts.join(' ').trimEnd() + (s.notes?.length ? `\n${' '.repeat(14)}${s.notes.join('; ')}` : '');
}

const OPTIONS = {
  'state-dir': { type: 'string', arg: 'DIR', help: 'state directory [.aifb/monitor]; with --slurm on shared storage' },
  host: { type: 'string', arg: 'ADDR', help: 'listen address of the local stack [0.0.0.0: reachable from other nodes and the SSH tunnel]' },
  'prometheus-port': { type: 'string', arg: 'N', help: '[9090] (with --slurm: tried first; the job picks a free one when taken)' },
  'pushgateway-port': { type: 'string', arg: 'N', help: '[9091]' },
  'grafana-port': { type: 'string', arg: 'N', help: '[3000]' },
  'no-grafana': { type: 'boolean', help: 'do not start Grafana even when it is there' },
  'scrape-interval': { type: 'string', arg: 'D', help: 'Prometheus scrape interval, e.g. 1s for short runs [5s]' },
  'ready-timeout': { type: 'string', arg: 'S', help: 'seconds each server may take to become ready [60]' },
  'login-host': { type: 'string', arg: 'HOST', help: 'login node for the SSH tunnel command [login.lxp.lu]' },
  'login-port': { type: 'string', arg: 'N', help: 'its SSH port [8822]' },
  'ssh-user': { type: 'string', arg: 'USER', help: 'user for the SSH tunnel command [$USER]' },
  slurm: { type: 'boolean', help: 'up: run the stack as one Slurm batch job on a compute node' },
  partition: { type: 'string', arg: 'P', help: "with --slurm: the job's partition" },
  account: { type: 'string', arg: 'A', help: "with --slurm: the job's account" },
  time: { type: 'string', arg: 'T', help: 'with --slurm: how long the stack lives (sbatch --time)' },
  'extra-arg': { type: 'string', multiple: true, arg: 'ARG', help: 'with --slurm: one more sbatch option, e.g. --extra-arg=--mem=4G; repeatable' },
  'queue-timeout': { type: 'string', arg: 'S', help: 'with --slurm: seconds the job may wait in the queue before up gives up [600]' },
  apptainer: { type: 'boolean', help: 'with --slurm: run the servers in Apptainer (images: the bases of containers/*.def)' },
  'prometheus-image': {
    type: 'string',
    arg: 'I',
    help: "a .sif path or docker:// reference (implies --apptainer; pulled images in $AIFB_IMAGE_CACHE are used); without Apptainer the binaries on the compute node's PATH are used",
  },
  'pushgateway-image': { type: 'string', arg: 'I', help: 'likewise, for the Pushgateway' },
  'grafana-image': { type: 'string', arg: 'I', help: 'likewise, for Grafana' },
} as const satisfies Options;

const USAGE = commandHelp('monitor', OPTIONS, {
  usage: 'up | down | status [options]   (docs/monitoring.md)',
  description:
    'Runs the monitoring stack: the Prometheus Pushgateway (aifb run --pushgateway pushes to it), Prometheus (scrapes it, with the alerts of monitoring/alerts.yml) and Grafana with the aifb dashboard when grafana-server is installed. By default as background processes on this machine; with --slurm as one Slurm batch job on a compute node. Data, logs, configs and the pid files or job id stay in the state directory; down stops what up started, status and down find a Slurm job there by themselves.',
  after: `Grafana's admin password is GF_SECURITY_ADMIN_PASSWORD, or generated once into
<state-dir>/grafana/admin-password (mode 0600; never admin/admin, never in a job script).

Used inside the Slurm job:
  job-setup --state-dir DIR [port and interval options]
      pick free ports on this node, write the configs, print the ports`,
});

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

const SLURM_ONLY = ['partition', 'account', 'time', 'extra-arg', 'queue-timeout', 'apptainer', 'prometheus-image', 'pushgateway-image', 'grafana-image'] as const;

/** The job's settings from the flags; undefined without --slurm (and then no Slurm flag may be given). */
function slurmSettings(values: Values, action: string, env: NodeJS.ProcessEnv): SlurmMonitorSettings | undefined {
  const given = SLURM_ONLY.filter((f) => values[f] !== undefined);
  if (!values.slurm) {
    if (given.length > 0) throw new UsageError(`monitor: --${given[0]} needs --slurm`);
    return undefined;
  }
  if (action !== 'up') throw new UsageError(`monitor ${action}: --slurm is an option of up (status and down find the job in the state directory)`);
  if (values.host !== undefined) throw new UsageError('monitor up --slurm: --host is for the local stack; the job listens on every interface of its node');
  const fields: SlurmFields = {};
  for (const f of ['partition', 'account', 'time'] as const) if (values[f] !== undefined) fields[f] = values[f];
  if (values['extra-arg']) fields.extra_args = values['extra-arg'];
  const pick = (c: StackComponent) => values[`${c}-image`];
  const apptainer = values.apptainer || (['prometheus', 'pushgateway', 'grafana'] as const).some((c) => pick(c) !== undefined);
  const images = apptainer
    ? { prometheus: pick('prometheus') ?? defaultImage('prometheus'), pushgateway: pick('pushgateway') ?? defaultImage('pushgateway'), grafana: pick('grafana') ?? defaultImage('grafana') }
    : undefined;
  return {
    fields,
    images,
    grafana: !values['no-grafana'],
    queueTimeoutMs: (positiveInt(values['queue-timeout'], 'queue-timeout') ?? 600) * 1000,
    aifb: aifbCommand(env),
  };
}

/** Prints the URLs, the push line and the §5.5 tunnel for what is running. */
function printAccess(states: ComponentStatus[], o: MonitorOptions, values: Values, io: CommandIO): void {
  const out = (line: string) => io.stdout.write(line + '\n');
  const live = states.filter((s) => s.state === 'running');
  const pgw = live.find((s) => s.name === 'pushgateway');
  if (pgw) out(`\nPush live metrics: aifb run recipe.yaml --pushgateway ${pgw.url}`);
  if (live.length === 0) return;
  // The node as up recorded it: the compute node of a Slurm job, or this host's real name.
  const node = live[0]?.url ? new URL(live[0].url).hostname : hostname();
  // Ports as recorded by up, so status and down need not repeat the flags.
  const ports = (['grafana', 'prometheus', 'pushgateway'] as const).flatMap((n) => {
    const s = live.find((x) => x.name === n);
    return s ? [s.port ?? o.ports[n]] : [];
  });
  const user = values['ssh-user'] ?? io.env.USER ?? userInfo().username;
  const login = tunnelCommand(node, ports, user, values['login-host'] ?? 'login.lxp.lu', positiveInt(values['login-port'], 'login-port') ?? 8822);
  out(`From your own machine (seed report §5.5):\n  ${login}\n  then open ${ports.map((p) => `http://localhost:${p}`).join(', ')}`);
  out(`Stop with: aifb monitor down --state-dir ${o.stateDir}`);
}

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'start, stop or show the Prometheus / Pushgateway / Grafana stack (here or as a Slurm job)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, 'monitor');
    const action = positionals[0];
    if (action !== 'up' && action !== 'down' && action !== 'status' && action !== 'job-setup') {
      throw new UsageError(`monitor: say up, down or status${action ? ` (got "${action}")` : ''}`);
    }
    const interval = values['scrape-interval'];
    if (interval !== undefined && !/^\d+(ms|s|m)$/.test(interval)) {
      throw new UsageError(`--scrape-interval expects a duration like 1s or 500ms, got "${interval}"`);
    }
    const out = (line: string) => io.stdout.write(line + '\n');
    const stop = new AbortController();
    const o: MonitorOptions = {
      stateDir: resolve(io.cwd, values['state-dir'] ?? io.env.AIFB_MONITOR_DIR ?? '.aifb/monitor'),
      host: values.host ?? '0.0.0.0',
      ports: {
        prometheus: positiveInt(values['prometheus-port'], 'prometheus-port') ?? 9090,
        pushgateway: positiveInt(values['pushgateway-port'], 'pushgateway-port') ?? 9091,
        grafana: positiveInt(values['grafana-port'], 'grafana-port') ?? 3000,
      },
      scrapeInterval: interval,
      readyTimeoutMs: (positiveInt(values['ready-timeout'], 'ready-timeout') ?? 60) * 1000,
      env: io.env,
      say: out,
      slurm: slurmSettings(values, action, io.env),
      signal: stop.signal,
    };
    if (action === 'job-setup') {
      const p = await setUpJob(o.stateDir, o.ports, interval);
      out(`${p.prometheus} ${p.pushgateway} ${p.grafana}`);
      return EXIT.ok;
    }
    const onSlurm = hasSlurmJob(o.stateDir);
    if (action === 'up' && !o.slurm && onSlurm) {
      throw new UsageError(`${o.stateDir} holds a Slurm monitoring job; run aifb monitor down first or choose another --state-dir`);
    }
    const backend: MonitorBackend = o.slurm || onSlurm ? slurmMonitor : localMonitor;

    if (action === 'down') {
      await backend.down(o);
      return EXIT.ok;
    }
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let states: ComponentStatus[];
    try {
      states = action === 'up' ? await backend.up(o) : await backend.status(o);
    } catch (err) {
      // What up started is stopped by then; an interrupted wait is the user's doing, not a failure.
      if (stop.signal.aborted) return EXIT.sigint;
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (action === 'status' || states.length > 0) for (const s of states) out(describe(s));
    printAccess(states, o, values, io);
    if (action === 'status') return states.some((s) => s.state === 'dead' || s.state === 'not ready') ? EXIT.runtime : EXIT.ok;
    return EXIT.ok;
  },
};
