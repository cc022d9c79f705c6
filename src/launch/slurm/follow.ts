import { pause as sleep } from '../../util/sleep.js';
import { existsSync } from 'node:fs';
import type { Logger } from '../../util/log.js';
import { tailLines } from '../readiness.js';
import { describeJob, isTerminal, jobInfo, slurmExec, type JobInfo } from './commands.js';


/**
 * Shows every change of state of the given jobs until `main` ends (or the signal
 * aborts); returns the last state of `main`.
 */
export async function followJobs(main: string, labels: Record<string, string>, log: Logger, signal?: AbortSignal, pollMs = 1000): Promise<JobInfo> {
  const shown = new Map<string, string>();
  for (;;) {
    let last: JobInfo | undefined;
    for (const [id, label] of Object.entries(labels)) {
      const info = await jobInfo(id);
      const text = describeJob(info);
      if (shown.get(id) !== text) {
        log.info(`${label} (job ${id}): ${text}`);
        shown.set(id, text);
      }
      if (id === main) last = info;
    }
    if (!last || isTerminal(last.state) || last.state === 'UNKNOWN' || signal?.aborted) return last ?? (await jobInfo(main));
    await sleep(pollMs, signal);
  }
}

/** The job's standard output file, from scontrol (while Slurm still knows the job). */
export async function jobOutputFile(id: string): Promise<string | undefined> {
  const r = await slurmExec('scontrol', ['show', 'job', id]);
  return /\bStdOut=(\S+)/.exec(r.stdout)?.[1];
}

/** Tails of a job's output and, for aifb service jobs, of the service's own log. */
export async function jobLogs(id: string, lines: number): Promise<{ file: string; lines: string[] }[]> {
  const out = await jobOutputFile(id);
  if (!out) return [];
  const files = [out];
  const service = out.replace(/\.out$/, '.service.log');
  if (service !== out && existsSync(service)) files.push(service);
  return files.map((file) => ({ file, lines: tailLines(file, lines) }));
}
