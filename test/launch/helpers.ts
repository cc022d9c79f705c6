import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliResult } from '../helpers/cli.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = import.meta.resolve('tsx/esm');
const bin = fileURLToPath(new URL('./aifb-bin.ts', import.meta.url));

/** argv of the aifb entry the tests (and their Slurm jobs) run. */
export const AIFB = [process.execPath, '--import', tsx, bin];

/** Environment for aifb children: jobs they submit run the same entry (sbatch passes the environment on). */
export function aifbEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, AIFB_COMMAND: AIFB.join(' '), ...extra };
}

/** Starts the aifb entry; `output()` is what it printed so far. */
export function startAifb(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(AIFB[0]!, [...AIFB.slice(1), ...args], { cwd: o.cwd ?? repoRoot, env: aifbEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Runs the aifb entry to completion. */
export function aifb(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startAifb(args, o).done;
}

export { freePort } from '../helpers/ports.js';
