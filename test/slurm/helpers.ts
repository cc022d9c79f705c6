import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/report/types.js';

/** A service name no other test (or run) uses, so leftover jobs can be found by name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Ids of queued or running jobs whose name contains `part`. */
export function liveJobs(part: string): string[] {
  const out = execFileSync('squeue', ['-h', '-o', '%i\x1f%j'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes('\x1f') && l.split('\x1f')[1]!.includes(part))
    .map((l) => l.split('\x1f')[0]!);
}

/** Cancels whatever a failed assertion may have left, so later tests find the cluster idle. */
export function sweep(part: string): void {
  const ids = liveJobs(part);
  if (ids.length > 0) execFileSync('scancel', ids);
}

/** The final state Slurm keeps for a finished job (scontrol holds it for MinJobAge). */
export function finalState(id: string): { state: string; name: string; partition: string } {
  const text = execFileSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
  return {
    state: /JobState=(\S+)/.exec(text)?.[1] ?? '',
    name: /JobName=(.*?) UserId=/.exec(text)?.[1] ?? '',
    partition: /Partition=(\S+)/.exec(text)?.[1] ?? '',
  };
}

/** Job ids aifb reported submitting, in order. */
export function submittedIds(stderr: string): string[] {
  return [...stderr.matchAll(/(?:submitted Slurm job|: Slurm job) (\d+)/g)].map((m) => m[1]!);
}

export function readReport(dir: string): Report {
  const file = readdirSync(dir).find((f) => f.endsWith('_report.json'));
  if (!file) throw new Error(`no report in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;
}

/** Waits (bounded) until `ok()` holds; for states Slurm reaches on its own schedule. */
export async function eventually(ok: () => boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return ok();
}

/** A recipe for a python3 http.server started by the slurm launcher. */
export function webRecipe(o: { name: string; port: number; extra?: string; launcher?: string; slurm?: string; load?: string; duration?: string }): string {
  return `benchmark: {name: slurm-test}
global: {logs_dir: logs, metrics_db: metrics.db, reports_dir: reports}
services:
  - service_name: ${JSON.stringify(o.name)}
    service_type: http
    url: http://placeholder/
    port: ${o.port}
    duration: ${o.duration ?? '2s'}
    load: ${o.load ?? '{rate: 40}'}${o.extra ?? ''}
    launcher:
      type: slurm
      command: [python3, -m, http.server, "{port}", --bind, "{host}"]
      ready: {http: /}
      ready_timeout: 30s${o.launcher ?? ''}
    slurm: {partition: cpu, time: "00:10:00", cpus_per_task: 1${o.slurm ?? ''}}
`;
}
