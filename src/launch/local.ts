import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/log.js';
import type { ServerPlan } from './plan.js';
import { safeFileName } from './quote.js';
import { portTaken, resolveProbe, waitReady } from './readiness.js';
import { RunError } from '../errors.js';
import type { Launched } from './types.js';

export interface LocalOptions {
  logsDir: string;
  log: Logger;
  signal?: AbortSignal;
  /** How long a server may take to leave after SIGTERM before it gets SIGKILL. */
  stopGraceMs?: number;
}

/**
 * Starts a server as a child process in its own process group (so stopping it stops
 * whatever it forked), logs to a file, and returns once its readiness check passes.
 * A server that exits or never gets ready is stopped and the error shows its log tail.
 */
export async function launchLocal(plan: ServerPlan, o: LocalOptions): Promise<Launched> {
  const taken = await portTaken('127.0.0.1', plan.port);
  if (taken) throw new RunError(`service "${plan.service}": ${taken}; aifb will not benchmark a server it did not start (set port:)`);
  const dir = join(o.logsDir, 'services');
  mkdirSync(dir, { recursive: true });
  if (plan.dataDir) mkdirSync(plan.dataDir, { recursive: true });
  const logFile = join(dir, `${safeFileName(plan.service)}-${Date.now()}.log`);
  const fd = openSync(logFile, 'a');
  const [cmd, ...args] = plan.argv;
  const child = spawn(cmd!, args, { env: { ...process.env, ...plan.env }, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, sig) => {
      exit = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exit = `could not start (${err.message})`;
      resolve();
    });
  });
  const stop = async () => {
    if (exit !== undefined || child.pid === undefined) return;
    signalGroup(child.pid, 'SIGTERM');
    const grace = new Promise((r) => setTimeout(r, o.stopGraceMs ?? 10_000).unref());
    await Promise.race([exited, grace]);
    if (exit === undefined) {
      signalGroup(child.pid, 'SIGKILL');
      await exited;
    }
  };
  const unregister = onExitKill(() => child.pid !== undefined && exit === undefined && signalGroup(child.pid, 'SIGKILL'));
  const description = `pid ${child.pid ?? '?'}, log ${logFile}`;
  o.log.info(`started ${plan.argv[0]} (${description}); waiting for it to be ready`);
  try {
    const probe = resolveProbe(plan.ready, { host: '127.0.0.1', port: plan.port, logFile });
    await waitReady(probe, { timeoutMs: plan.launcher.readyTimeoutMs, signal: o.signal, logFile, what: `service "${plan.service}"`, gone: () => exit });
  } catch (err) {
    await stop();
    unregister();
    throw err;
  }
  return {
    endpoint: { host: '127.0.0.1', port: plan.port },
    description,
    stop: async () => {
      await stop();
      unregister();
    },
  };
}

function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

const atExit = new Set<() => unknown>();
let hooked = false;

/**
 * Runs `fn` if the process exits while it is registered: a second Ctrl-C makes
 * `aifb run` call process.exit, and nothing it started may outlive it.
 */
export function onExitKill(fn: () => unknown): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const f of atExit) {
        try {
          f();
        } catch {
          // Best effort: the process is leaving.
        }
      }
    });
  }
  atExit.add(fn);
  return () => atExit.delete(fn);
}
