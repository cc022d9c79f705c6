import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { pause } from '../../util/sleep.js';
import { slurmExec } from './commands.js';

/** What became of one generator's job step. */
export interface StepOutcome {
  index: number;
  node: string;
  /** Exit code of its srun (null when aifb ended it: its node failed, or the job was stopped). */
  code: number | null;
  /** Why its shard may be missing or short: the node's failure, or the step's exit. */
  failure?: string;
}

export interface SpreadOptions {
  recipeFile: string;
  benchmarkId: string;
  shardDir: string;
  /** How many generators (job steps). */
  count: number;
  /** argv of aifb on the compute nodes. */
  aifb: string[];
  /** The run's command-line overrides (--rate web=50 …), given again to every generator step. */
  overrideArgs?: string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
  signal?: AbortSignal;
  /** How often node states are read (ms). */
  pollMs?: number;
}

/** The allocation's nodes, in Slurm's order (`scontrol show hostnames $SLURM_JOB_NODELIST`). */
export async function allocatedNodes(env: NodeJS.ProcessEnv): Promise<string[]> {
  const list = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (!list) throw new RunError('aifb slurm generators runs inside a Slurm job (SLURM_JOB_NODELIST is not set)');
  const r = await slurmExec('scontrol', ['show', 'hostnames', list], 30_000, env);
  const nodes = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (r.code !== 0 || nodes.length === 0) throw new RunError(`scontrol show hostnames ${list} failed: ${r.stderr.trim()}`);
  return nodes;
}

/** Generator k's node under block distribution (as srun places tasks): k·nodes/count. */
export function nodeOf(k: number, nodes: readonly string[], count: number): string {
  return nodes[Math.floor((k * nodes.length) / count)]!;
}

/**
 * The node's state as Slurm sees it, when Slurm has given the node up: DOWN, FAIL or
 * FAILING (after SlurmdTimeout without an answer). Undefined while it is usable; a
 * node merely NOT_RESPONDING for a moment is not given up yet.
 */
export async function failedState(node: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await slurmExec('scontrol', ['show', 'node', '-o', node], 15_000, env);
  const state = /\bState=(\S+)/.exec(r.stdout)?.[1];
  if (!state) return undefined;
  return /(^|\+)(DOWN|FAIL|FAILING)(\+|$)/.test(state) ? state : undefined;
}

/**
 * Runs generator k of `count` as its own job step on its node (`srun --nodes=1
 * --ntasks=1 --nodelist=NODE --overlap aifb slurm worker … --index k`). Slurm does not
 * end a step whose node died while the job survives (the client job has --no-kill), and
 * its srun would wait for that node forever; so node states are watched, and a step
 * whose node Slurm has set DOWN is ended here and recorded with the node's state.
 * Healthy generators on other nodes run to their end.
 */
export async function runGeneratorSteps(o: SpreadOptions): Promise<StepOutcome[]> {
  const nodes = await allocatedNodes(o.env);
  mkdirSync(o.shardDir, { recursive: true });
  // srun reads --no-kill from SLURM_NO_KILL (set by the job's --no-kill): a step must still end when its node fails.
  const env = { ...o.env };
  delete env.SLURM_NO_KILL;
  const [cmd, ...pre] = o.aifb;
  const steps = Array.from({ length: o.count }, (_, k) => {
    const node = nodeOf(k, nodes, o.count);
    const args = ['--nodes=1', '--ntasks=1', `--nodelist=${node}`, '--overlap', '--kill-on-bad-exit=1', `--job-name=aifb-generator-${k}`];
    const worker = [cmd!, ...pre, 'slurm', 'worker', o.recipeFile, '--id', o.benchmarkId, '--shard-dir', o.shardDir, '--index', String(k), ...(o.overrideArgs ?? [])];
    const child = spawn('srun', [...args, ...worker], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const outcome: StepOutcome = { index: k, node, code: null };
    const done = new Promise<StepOutcome>((resolve) => {
      child.on('close', (code) => resolve({ ...outcome, code: outcome.failure ? null : code }));
      child.on('error', (e) => resolve({ ...outcome, code: -1, failure: `srun could not start: ${e.message}` }));
    });
    return { k, node, child, outcome, done, ended: false };
  });
  o.log.info(`${o.count} generators as job steps: ${steps.map((s) => `${s.k}→${s.node}`).join(', ')}`);
  const end = (child: ChildProcess) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onAbort = () => steps.forEach((s) => s.child.kill('SIGTERM'));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  for (const s of steps) void s.done.then(() => (s.ended = true));
  try {
    while (steps.some((s) => !s.ended)) {
      await Promise.race([pause(o.pollMs ?? 1000), ...steps.filter((s) => !s.ended).map((s) => s.done)]);
      const watched = [...new Set(steps.filter((s) => !s.ended && !s.outcome.failure).map((s) => s.node))];
      for (const node of watched) {
        const state = await failedState(node, o.env);
        if (!state) continue;
        for (const s of steps.filter((x) => x.node === node && !x.ended && !x.outcome.failure)) {
          s.outcome.failure = `node ${node} failed (Slurm state ${state}) while generator ${s.k} ran`;
          o.log.warn(s.outcome.failure);
          end(s.child);
        }
      }
    }
    const results = await Promise.all(steps.map((s) => s.done));
    return results.map((r) => (r.failure || r.code === 0 ? r : { ...r, failure: `generator ${r.index} on ${r.node}: its step exited with ${r.code}` }));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    steps.forEach((s) => end(s.child));
  }
}

/** Shard file of generator k (what `aifb slurm worker --shard-dir` writes). */
export function shardFile(dir: string, k: number): string {
  return join(dir, `shard-${k}.db`);
}
