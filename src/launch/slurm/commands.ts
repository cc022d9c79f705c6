import { execFile, execFileSync } from 'node:child_process';
import { RunError } from '../../errors.js';

/** Job states as Slurm names them (squeue/scontrol/sacct); the rest of aifb uses these. */
export const TERMINAL_STATES = [
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'CANCELLED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
] as const;

export interface JobInfo {
  id: string;
  name: string;
  /** PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, … ('UNKNOWN' when no tool knows the job). */
  state: string;
  /** Why it is pending (Priority, Resources, BeginTime, JobHeldUser, Dependency, …) or None. */
  reason: string;
  nodes: string;
  exitCode?: string;
}

export function isTerminal(state: string): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** Runs a Slurm command without a shell: every argument reaches it as one literal word. */
export function slurmExec(cmd: string, args: string[], timeoutMs = 30_000, env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code === 127 ? err.message : '') });
    });
  });
}

/**
 * `sbatch --parsable [args] script [scriptArgs]`; returns the job id (the part before
 * `;cluster`). `env` is the environment sbatch runs in (and, by Slurm's default, the
 * job's): how secrets reach a job without being written into its script.
 */
export async function sbatch(script: string, args: string[] = [], scriptArgs: string[] = [], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await slurmExec('sbatch', ['--parsable', ...args, script, ...scriptArgs], 30_000, env);
  if (r.code !== 0) throw new RunError(`sbatch refused the job: ${(r.stderr || r.stdout).trim()}`);
  const id = r.stdout.trim().split(';')[0]!;
  if (!/^\d+(_\d+)?$/.test(id)) throw new RunError(`sbatch printed no job id: ${r.stdout.trim()}`);
  return id;
}

/** Cancels jobs (queued or running); unknown or finished jobs are not an error. */
export async function scancel(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await slurmExec('scancel', [...ids]);
}

/** Synchronous scancel, for process exit handlers. */
export function scancelSync(ids: readonly string[]): void {
  if (ids.length === 0) return;
  try {
    execFileSync('scancel', [...ids], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    // The process is leaving; the job may already be gone.
  }
}

const SEP = '\x1f';

/**
 * The job's state from the tool that still knows it: squeue while queued or running,
 * then scontrol (finished jobs stay for MinJobAge), then sacct (needs accounting).
 */
export async function jobInfo(id: string): Promise<JobInfo> {
  const q = await slurmExec('squeue', ['-h', '-j', id, '-o', ['%i', '%j', '%T', '%r', '%N'].join(SEP)]);
  const line = q.code === 0 ? q.stdout.split('\n').find((l) => l.startsWith(`${id}${SEP}`)) : undefined;
  if (line) {
    const [jid, name, state, reason, nodes] = line.split(SEP);
    return { id: jid!, name: name ?? '', state: state ?? 'UNKNOWN', reason: reason ?? '', nodes: nodes ?? '' };
  }
  const s = await slurmExec('scontrol', ['show', 'job', '-o', id]);
  if (s.code === 0 && s.stdout.includes('JobState=')) return parseScontrol(id, s.stdout);
  const a = await slurmExec('sacct', ['-n', '-P', '-X', '-j', id, '-o', 'JobID,JobName,State,Reason,NodeList,ExitCode']);
  const row = a.code === 0 ? a.stdout.split('\n').find((l) => l.startsWith(`${id}|`)) : undefined;
  if (row) {
    const [jid, name, state, reason, nodes, exitCode] = row.split('|');
    // sacct writes "CANCELLED by 0"; the state is the first word.
    return { id: jid!, name: name ?? '', state: (state ?? 'UNKNOWN').split(' ')[0]!, reason: reason ?? '', nodes: nodes ?? '', exitCode };
  }
  return { id, name: '', state: 'UNKNOWN', reason: 'no Slurm tool knows this job', nodes: '' };
}

/** Fields of `scontrol show job -o` (one line of Key=Value; values without spaces except a few). */
export function parseScontrol(id: string, text: string): JobInfo {
  const get = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(text)?.[1] ?? '';
  // JobName may hold spaces: it runs up to the next " UserId=".
  const name = /JobName=(.*?) UserId=/.exec(text)?.[1] ?? get('JobName');
  return { id, name, state: get('JobState'), reason: get('Reason'), nodes: get('NodeList'), exitCode: get('ExitCode') };
}

/** Jobs of this user whose name starts with `prefix` (aifb names its jobs aifb-…). */
export async function listJobs(prefix = 'aifb-', user = process.env.USER): Promise<JobInfo[]> {
  const args = ['-h', '-o', ['%i', '%j', '%T', '%r', '%N'].join(SEP)];
  if (user) args.push('-u', user);
  const r = await slurmExec('squeue', args);
  if (r.code !== 0) throw new RunError(`squeue failed: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [id, name, state, reason, nodes] = l.split(SEP);
      return { id: id!, name: name ?? '', state: state ?? '', reason: reason ?? '', nodes: nodes ?? '' };
    })
    .filter((j) => j.name.startsWith(prefix));
}

/** A job's state for people: `PENDING (Priority)`, `RUNNING on node01`. */
export function describeJob(j: JobInfo): string {
  if (j.state === 'PENDING') return `PENDING (${j.reason || 'no reason given'})`;
  if (j.state === 'RUNNING' || j.state === 'COMPLETING') return `${j.state} on ${j.nodes || '?'}`;
  const exit = j.exitCode && j.exitCode !== '0:0' ? `, exit ${j.exitCode}` : '';
  const reason = j.reason && j.reason !== 'None' ? ` (${j.reason})` : '';
  return `${j.state}${reason}${exit}`;
}
