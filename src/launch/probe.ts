import { RunError, UsageError } from '../errors.js';
import { portTaken, resolveProbe, waitReady } from './readiness.js';
import type { ReadySpec } from './types.js';

export interface ProbeArgs {
  ready?: string;
  host?: string;
  port: number;
  log?: string;
  pid?: number;
  timeoutSeconds: number;
  /** Only check that nothing listens on the port yet (before the server starts). */
  free?: boolean;
}

/**
 * The readiness check a Slurm service job runs on its own node before it writes its
 * endpoint: the same code as the local launcher, so both agree on "ready".
 */
export async function probeInJob(a: ProbeArgs, signal?: AbortSignal): Promise<void> {
  if (a.free) {
    const taken = await portTaken(a.host ?? '127.0.0.1', a.port);
    if (taken) throw new RunError(taken);
    return;
  }
  let spec: ReadySpec | undefined;
  if (a.ready !== undefined) {
    try {
      spec = JSON.parse(a.ready) as ReadySpec;
    } catch {
      throw new UsageError(`--ready is not valid JSON: ${a.ready}`);
    }
  }
  const probe = resolveProbe(spec, { host: a.host ?? '127.0.0.1', port: a.port, logFile: a.log });
  await waitReady(probe, {
    timeoutMs: a.timeoutSeconds * 1000,
    signal,
    logFile: a.log,
    what: 'the service',
    gone: () => (a.pid !== undefined && !alive(a.pid) ? 'exited' : undefined),
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
