/**
 * A real multi-node Slurm cluster on this one machine, started by the tests and torn down
 * after them: one slurmctld, one slurmd per node (`slurmd -N nK`, Debian's Slurm is built
 * with MULTIPLE_SLURMD), each node in a network namespace of its own with its own address
 * on a bridge in the root namespace. A server bound in node A's namespace is reached from
 * node B only across the veth link (A's address), never through a shared loopback.
 *
 * It is a second cluster beside the single-node one of slurm-cluster.ts (own config,
 * ports, state, spool, pid and log files; the munged daemon is shared). Several test
 * processes may hold a cluster at once: each takes a free slot (ports, names, subnet).
 * Nothing has a route out of the namespaces: no default route, only the bridge's subnet.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { untilSync as until } from './block-wait.js';
import { ensureMunge } from './slurm-cluster.js';

const SLOTS = 8;
const ROOT = '/run/aifb-multinode';

export interface Node {
  name: string;
  /** Network namespace the node's slurmd (and every job step on it) runs in. */
  ns: string;
  addr: string;
}

export interface MultiNodeCluster {
  slot: number;
  dir: string;
  conf: string;
  /** Environment for Slurm clients and for aifb: SLURM_CONF names this cluster. */
  env: NodeJS.ProcessEnv;
  nodes: Node[];
  /** The root namespace's address on the bridge (slurmctld answers there). */
  bridgeAddr: string;
  /** A Slurm command against this cluster; stdout, or throws with stderr. */
  slurm(cmd: string, args: string[]): string;
  /** Queued or running job ids (optionally only those whose name contains `part`). */
  liveJobs(part?: string): string[];
  /** The node's state as sinfo shows it (idle, alloc, mix, down, …; flags removed). */
  nodeState(name: string): string;
  /** The node crashes: SIGKILL to every process in its namespace (slurmd, steps, tasks). */
  crashNode(name: string): number[];
  /** Starts a crashed node's slurmd again and waits until Slurm takes it back. */
  reviveNode(name: string): void;
  /** Processes left in the node's namespace (pids). */
  pidsIn(name: string): number[];
  /** Kills everything, removes namespaces, bridge and files. Idempotent, never throws. */
  teardown(): void;
}

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, env });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? r.error?.message ?? '').trim() };
}



function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Why the cluster cannot be had here, or undefined when it can. */
export function multiNodeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the multi-node Slurm cluster needs root (network namespaces, daemons)';
  for (const tool of ['ip', 'slurmctld', 'slurmd', 'sbatch', 'munged']) {
    if (!sh('sh', ['-c', `command -v ${tool}`]).ok) return `${tool} is not installed (scripts/setup.sh: slurm-wlm, munge, iproute2)`;
  }
  const probe = `aifbmnprobe${process.pid}`;
  const r = sh('ip', ['netns', 'add', probe]);
  sh('ip', ['netns', 'del', probe]);
  if (!r.ok) return `network namespaces cannot be created here: ${r.err}`;
  return undefined;
}

const names = (slot: number) => ({
  bridge: `aifbmn${slot}br`,
  ns: (k: number) => `aifbmn${slot}-n${k}`,
  veth: (k: number) => `aifbmn${slot}v${k}`,
  subnet: `10.213.${40 + slot}`,
  ctldPort: 6917 + 10 * slot,
  slurmdPort: 6918 + 10 * slot,
});

/** Removes what a slot's earlier holder left (a crashed test run): daemons, namespaces, bridge, files. */
function clearSlot(slot: number): void {
  const n = names(slot);
  const dir = join(ROOT, `slot-${slot}`);
  for (const ns of sh('ip', ['netns', 'list']).out.split('\n').map((l) => l.split(' ')[0]!).filter((x) => x.startsWith(`aifbmn${slot}-`))) {
    for (const pid of sh('ip', ['netns', 'pids', ns]).out.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    sh('ip', ['netns', 'del', ns]);
  }
  const pidFile = join(dir, 'slurmctld.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const cmdline = pid > 0 && existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    if (cmdline.includes(join(dir, 'slurm.conf'))) {
      process.kill(pid, 'SIGKILL');
      until(() => !alive(pid), 5000);
    }
  }
  sh('ip', ['link', 'del', n.bridge]);
  rmSync(dir, { recursive: true, force: true });
}

/** Takes a free slot: a lock file naming this process; a slot whose holder died is taken over. */
function takeSlot(): number {
  mkdirSync(ROOT, { recursive: true });
  for (let slot = 0; slot < SLOTS; slot++) {
    const lock = join(ROOT, `slot-${slot}.lock`);
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      clearSlot(slot);
      return slot;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (holder > 0 && alive(holder)) continue;
      rmSync(lock, { force: true });
      try {
        writeFileSync(lock, String(process.pid), { flag: 'wx' });
      } catch {
        continue; // another process took it first
      }
      clearSlot(slot);
      return slot;
    }
  }
  throw new Error(`all ${SLOTS} multi-node cluster slots are taken (${ROOT})`);
}

/** The cluster's slurm.conf: services on n1 (partition svc), generators on n2–n3 (gen), all four in `all`. */
export function multiNodeConf(o: { cluster: string; host: string; bridgeAddr: string; ctldPort: number; slurmdPort: number; dir: string; nodes: Node[] }): string {
  const nodeLines = o.nodes.map((n) => `NodeName=${n.name} NodeHostname=${o.host} NodeAddr=${n.addr} CPUs=2 RealMemory=1000 State=UNKNOWN`);
  const last = o.nodes.length;
  return `ClusterName=${o.cluster}
SlurmctldHost=${o.host}(${o.bridgeAddr})
SlurmctldPort=${o.ctldPort}
SlurmdPort=${o.slurmdPort}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=${o.dir}/state
SlurmdSpoolDir=${o.dir}/spool/%n
SlurmctldPidFile=${o.dir}/slurmctld.pid
SlurmdPidFile=${o.dir}/slurmd-%n.pid
SlurmctldLogFile=${o.dir}/slurmctld.log
SlurmdLogFile=${o.dir}/slurmd-%n.log
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=0
MpiDefault=none
SchedulerParameters=sched_interval=1
MinJobAge=300
SlurmdTimeout=5
MessageTimeout=4
KillWait=3
${nodeLines.join('\n')}
PartitionName=all Nodes=n[1-${last}] Default=YES MaxTime=INFINITE State=UP
PartitionName=svc Nodes=n1 MaxTime=INFINITE State=UP
PartitionName=gen Nodes=n[2-3] MaxTime=INFINITE State=UP
`;
}

/**
 * Starts a cluster of `count` (3–4) nodes and waits until every node is idle. Throws
 * with the daemons' logs when it cannot; whatever was set up is torn down first.
 */
export function startMultiNodeCluster(count = 4): MultiNodeCluster {
  ensureMunge();
  const slot = takeSlot();
  const n = names(slot);
  const dir = join(ROOT, `slot-${slot}`);
  const conf = join(dir, 'slurm.conf');
  const host = hostname().split('.')[0]!;
  const bridgeAddr = `${n.subnet}.1`;
  const nodes: Node[] = Array.from({ length: count }, (_, i) => ({ name: `n${i + 1}`, ns: n.ns(i + 1), addr: `${n.subnet}.${11 + i}` }));
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  let down = false;

  const pidsIn = (name: string) => {
    const node = nodes.find((x) => x.name === name)!;
    return sh('ip', ['netns', 'pids', node.ns]).out.split('\n').filter(Boolean).map(Number);
  };
  const slurm = (cmd: string, args: string[]) => {
    const r = sh(cmd, args, env);
    if (!r.ok) throw new Error(`${cmd} ${args.join(' ')}: ${r.err || r.out}`);
    return r.out;
  };
  const nodeState = (name: string) => sh('sinfo', ['-h', '-n', name, '-o', '%t'], env).out.split('\n')[0]!.replace(/[*~#!%$@^-]+$/, '');
  const startSlurmd = (node: Node) => {
    // nsenter, not `ip netns exec`: that one mounts a fresh /sys, without the cgroup tree slurmd reads.
    const r = sh('nsenter', [`--net=/run/netns/${node.ns}`, 'slurmd', '-f', conf, '-N', node.name], env);
    if (!r.ok) throw new Error(`slurmd -N ${node.name} did not start: ${r.err}`);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    teardown();
    process.kill(process.pid, sig);
  };
  const teardown = () => {
    if (down) return;
    down = true;
    process.off('exit', teardown);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Jobs first, so the controller stops sending work; then every process of every node.
    sh('scancel', ['--full', '-u', 'root'], env);
    clearSlot(slot);
    rmSync(join(ROOT, `slot-${slot}.lock`), { force: true });
  };
  // A test process that ends without calling teardown (an uncaught error) still cleans up.
  process.on('exit', teardown);
  // Nor does one stopped by a signal (a runner's timeout, Ctrl-C): tear down, then die of it.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    mkdirSync(join(dir, 'state'), { recursive: true });
    for (const node of nodes) mkdirSync(join(dir, 'spool', node.name), { recursive: true });
    execFileSync('ip', ['link', 'add', n.bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', `${bridgeAddr}/24`, 'dev', n.bridge]);
    execFileSync('ip', ['link', 'set', n.bridge, 'up']);
    nodes.forEach((node, i) => {
      execFileSync('ip', ['netns', 'add', node.ns]);
      execFileSync('ip', ['link', 'add', n.veth(i + 1), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.ns]);
      execFileSync('ip', ['link', 'set', n.veth(i + 1), 'master', n.bridge, 'up']);
      execFileSync('ip', ['-n', node.ns, 'addr', 'add', `${node.addr}/24`, 'dev', 'eth0']);
      execFileSync('ip', ['-n', node.ns, 'link', 'set', 'eth0', 'up']);
      execFileSync('ip', ['-n', node.ns, 'link', 'set', 'lo', 'up']);
    });
    writeFileSync(conf, multiNodeConf({ cluster: `aifbmn${slot}`, host, bridgeAddr, ctldPort: n.ctldPort, slurmdPort: n.slurmdPort, dir, nodes }));
    const ctld = sh('slurmctld', ['-f', conf, '-i'], env);
    if (!ctld.ok) throw new Error(`slurmctld did not start: ${ctld.err}`);
    if (!until(() => sh('scontrol', ['ping'], env).out.includes('UP'), 20_000)) throw new Error(`slurmctld does not answer: ${sh('scontrol', ['ping'], env).out}`);
    for (const node of nodes) startSlurmd(node);
    if (!until(() => nodes.every((x) => nodeState(x.name) === 'idle'), 30_000)) {
      throw new Error(`the nodes did not come up idle: ${sh('sinfo', ['-N', '-l'], env).out}`);
    }
  } catch (err) {
    const logs = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.log'))
          .map((f) => `---- ${f}\n${readFileSync(join(dir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
          .join('\n')
      : '';
    teardown();
    throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
  }

  return {
    slot,
    dir,
    conf,
    env,
    nodes,
    bridgeAddr,
    slurm,
    nodeState,
    pidsIn,
    liveJobs(part = '') {
      return sh('squeue', ['-h', '-o', '%i\x1f%j'], env)
        .out.split('\n')
        .filter((l) => l.includes('\x1f') && l.split('\x1f')[1]!.includes(part))
        .map((l) => l.split('\x1f')[0]!);
    },
    crashNode(name) {
      const pids = pidsIn(name);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      return pids;
    },
    reviveNode(name) {
      const node = nodes.find((x) => x.name === name)!;
      rmSync(join(dir, `slurmd-${name}.pid`), { force: true });
      startSlurmd(node);
      const ok = until(() => {
        const s = nodeState(name);
        if (s === 'down' || s === 'drain') sh('scontrol', ['update', `nodename=${name}`, 'state=resume'], env);
        return s === 'idle';
      }, 30_000);
      if (!ok) throw new Error(`node ${name} did not come back: ${sh('sinfo', ['-N', '-l'], env).out}`);
    },
    teardown,
  };
}
