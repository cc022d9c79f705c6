import { pause as sleep } from '../../util/sleep.js';
import { readFileSync } from 'node:fs';
import { RunError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { tailLines } from '../readiness.js';
import type { Endpoint } from '../types.js';
import { describeJob, isTerminal, jobInfo, scancel, type JobInfo } from './commands.js';

export interface FollowOptions {
  /** Longest time in the queue (PENDING) before giving up. */
  queueTimeoutMs: number;
  /** Longest time from RUNNING to a written endpoint (the in-job check has its own deadline). */
  readyTimeoutMs: number;
  signal?: AbortSignal;
  log: Logger;
  /** Files whose tails explain a failure (the service log, the job output). */
  logFiles?: string[];
  pollMs?: number;
  what?: string;
}

/** The endpoint file a service job writes once its readiness check passed, or undefined. */
export function readEndpointFile(file: string): Endpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const e = JSON.parse(text) as { host?: unknown; port?: unknown };
    if (typeof e.host === 'string' && e.host && typeof e.port === 'number') return { host: e.host, port: e.port };
  } catch {
    // Written by mv from a complete temp file, so a partial read cannot happen; a bad file is reported below.
  }
  throw new RunError(`the endpoint file ${file} is not valid: ${text.slice(0, 200)}`);
}

/** Tails of the given files, for a failure message. */
export function logTails(files: readonly string[] = [], n = 15): string {
  const parts: string[] = [];
  for (const f of files) {
    const lines = tailLines(f, n);
    if (lines.length > 0) parts.push(`last ${lines.length} lines of ${f}:\n${lines.map((l) => `  | ${l}`).join('\n')}`);
  }
  return parts.length > 0 ? `\n${parts.join('\n')}` : '';
}


/**
 * Follows a service job until its endpoint file appears: shows each change of state
 * (PENDING with its reason, RUNNING on a node), and fails with the job's state and the
 * log tails when the job ends first or a deadline passes. The caller cancels the job.
 */
export async function waitForEndpoint(jobId: string, endpointFile: string, o: FollowOptions): Promise<Endpoint> {
  const what = o.what ?? `job ${jobId}`;
  const started = Date.now();
  let runningSince: number | undefined;
  let shown = '';
  let info: JobInfo | undefined;
  let unknown = 0;
  for (;;) {
    const endpoint = readEndpointFile(endpointFile);
    if (endpoint) return endpoint;
    if (o.signal?.aborted) throw new RunError(`stopped while waiting for ${what}`);
    info = await jobInfo(jobId);
    const seen = describeJob(info);
    if (seen !== shown) {
      o.log.info(`${what}: Slurm job ${jobId} ${seen}`);
      shown = seen;
    }
    // The endpoint may have been written between the two reads.
    const late = readEndpointFile(endpointFile);
    if (late) return late;
    // A controller that does not answer for a moment is not a finished job: UNKNOWN must persist.
    unknown = info.state === 'UNKNOWN' ? unknown + 1 : 0;
    if (isTerminal(info.state) || unknown >= 5) {
      throw new RunError(`${what}: Slurm job ${jobId} ended before the service was ready: ${seen}${logTails(o.logFiles)}`);
    }
    const now = Date.now();
    if (info.state === 'RUNNING' || info.state === 'COMPLETING') runningSince ??= now;
    if (runningSince === undefined && now - started > o.queueTimeoutMs) {
      throw new RunError(`${what}: Slurm job ${jobId} still ${seen} after ${Math.round(o.queueTimeoutMs / 1000)} s in the queue`);
    }
    // A margin over the in-job deadline, so the job's own message normally comes first.
    if (runningSince !== undefined && now - runningSince > o.readyTimeoutMs + 15_000) {
      throw new RunError(`${what}: Slurm job ${jobId} did not report ready within ${Math.round(o.readyTimeoutMs / 1000)} s${logTails(o.logFiles)}`);
    }
    await sleep(o.pollMs ?? 500, o.signal);
  }
}

/** Cancels jobs and waits (bounded) until Slurm no longer lists them as queued or running. */
export async function cancelAndWait(ids: readonly string[], timeoutMs = 30_000): Promise<void> {
  if (ids.length === 0) return;
  await scancel(ids);
  const end = Date.now() + timeoutMs;
  for (const id of ids) {
    for (;;) {
      const s = (await jobInfo(id)).state;
      if (isTerminal(s) || s === 'UNKNOWN' || Date.now() > end) break;
      await sleep(250);
    }
  }
}
