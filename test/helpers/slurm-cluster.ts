/**
 * Starts a real single-node Slurm cluster (munge, slurmctld, slurmd) with the
 * configuration docs/hpc.md and the design notes give, unless one already answers.
 * Idempotent: a running cluster is reused and left running for later tests.
 * Run directly (`node --import tsx test/helpers/slurm-cluster.ts`) to start it from CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { untilSync } from './block-wait.js';

const CONF = '/etc/slurm/slurm.conf';

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function shortHost(): string {
  return hostname().split('.')[0]!;
}

/** The configuration that works in this sandbox (root runs every daemon). */
export function slurmConf(host = shortHost(), cpuCount = cpus().length): string {
  return `ClusterName=local
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
ReturnToService=2
MpiDefault=none
SchedulerParameters=sched_interval=1
MinJobAge=300
NodeName=${host} CPUs=${cpuCount} RealMemory=8000 State=UNKNOWN
PartitionName=cpu Nodes=${host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=${host} MaxTime=INFINITE State=UP
`;
}

function nodeState(): string {
  const r = run('sinfo', ['-h', '-N', '-o', '%t']);
  return r.ok ? r.out.split('\n')[0]!.replace(/[*~#!%$@^-]+$/, '') : '';
}

const until = (ok: () => boolean, ms: number): boolean => untilSync(ok, ms, 250);

const USABLE = ['idle', 'mix', 'alloc', 'comp'];



function daemonRunning(name: string): boolean {
  return run('pgrep', ['-x', name]).ok;
}

/** Makes sure munged answers (a key is made when missing); every cluster here shares it. */
export function ensureMunge(): void {
  mkdirSync('/run/munge', { recursive: true });
  if (!existsSync('/etc/munge/munge.key')) execFileSync('mungekey', ['-c']);
  run('chown', ['-R', 'munge:munge', '/etc/munge', '/run/munge', '/var/lib/munge', '/var/log/munge']);
  if (!run('munge', ['-n']).ok) {
    run('su', ['-s', '/bin/sh', 'munge', '-c', 'munged']);
    if (!until(() => run('munge', ['-n']).ok, 10_000)) throw new Error('munged did not start');
  }
}

/**
 * Makes sure the cluster answers and its node takes jobs; throws with what it saw
 * when it cannot. Needs root the first time (it writes /etc/slurm and starts daemons).
 */
export function ensureSlurmCluster(): void {
  if (USABLE.includes(nodeState())) return;
  // A configuration this helper wrote on a machine with another name is rewritten.
  const ours = existsSync(CONF) && readFileSync(CONF, 'utf8').startsWith('ClusterName=local\n');
  if (!existsSync(CONF) || (ours && readFileSync(CONF, 'utf8') !== slurmConf())) {
    mkdirSync('/etc/slurm', { recursive: true });
    writeFileSync(CONF, slurmConf());
  }
  for (const d of ['/var/spool/slurmctld', '/var/spool/slurmd', '/var/log/slurm']) mkdirSync(d, { recursive: true });
  ensureMunge();
  if (!daemonRunning('slurmctld')) execFileSync('slurmctld', []);
  if (!until(() => run('scontrol', ['ping']).out.includes('UP'), 20_000)) {
    throw new Error(`slurmctld does not answer: ${run('scontrol', ['ping']).out}`);
  }
  if (!daemonRunning('slurmd')) execFileSync('slurmd', []);
  const host = shortHost();
  const ready = until(() => {
    const s = nodeState();
    // A node left down or drained by an earlier crash comes back on request.
    if (s === 'down' || s === 'drain' || s === 'drng') run('scontrol', ['update', `nodename=${host}`, 'state=resume']);
    return USABLE.includes(s);
  }, 30_000);
  if (!ready) throw new Error(`the Slurm node is not usable: ${run('sinfo', ['-N', '-l']).out}`);
}

/** Every job aifb tests submitted (named aifb-*) that is still queued or running. */
export function liveTestJobs(prefix = 'aifb'): string[] {
  const r = run('squeue', ['-h', '-o', '%i %j']);
  return r.out
    .split('\n')
    .filter((l) => l.trim() && l.split(' ')[1]?.startsWith(prefix))
    .map((l) => l.split(' ')[0]!);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureSlurmCluster();
  process.stdout.write(`${run('sinfo', []).out}\n`);
}
