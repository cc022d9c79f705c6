import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { removeOwnedSync } from '../../util/owned.js';
import { createServer } from 'node:net';
import { basename, delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { RunError } from '../../errors.js';

/** What `monitor up` remembers of a process it started, so `down` stops that one only. */
export interface PidRecord {
  name: string;
  pid: number;
  bin: string;
  port: number;
  url: string;
  readyUrl: string;
  logFile: string;
  startedAt: string;
}

/** The first of `names` found on PATH (or given as a path). */
export function findBinary(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of names) {
    if (name.includes('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      const p = join(dir, name);
      try {
        if (statSync(p).isFile()) return p;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

/** Fails with a clear message when the port is taken, before a server dies on it less clearly. */
export async function assertPortFree(port: number, host: string, what: string): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    throw new RunError(`${what}: port ${port} on ${host} is not free (${(err as Error).message}); choose another port`);
  } finally {
    server.close();
  }
}

/** Starts a server in its own session with output to `logFile`; it outlives this process. */
export function spawnDetached(bin: string, args: string[], logFile: string, env: NodeJS.ProcessEnv, cwd: string): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new RunError(`cannot start ${bin}`);
    child.on('error', () => {});
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Alive, and (where /proc tells) still running the binary we started, not a recycled pid. */
export function isOurs(rec: PidRecord): boolean {
  if (!isAlive(rec.pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8');
    return cmd.includes(basename(rec.bin));
  } catch {
    return true;
  }
}

/** True when `url` answers 2xx within `timeoutMs`. */
export async function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 300;
  } catch {
    return false;
  }
}

/** The last lines of a log, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls the readiness URL until it answers, the process dies, or the deadline passes.
 * Failures carry the log's last lines, which say why (bad flag, port, permissions).
 */
export async function waitReady(rec: PidRecord, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (!isAlive(rec.pid)) {
      throw new RunError(`${rec.name} exited during start-up; last lines of ${rec.logFile}:\n${tail(rec.logFile)}`);
    }
    if (await answers(rec.readyUrl, 1000)) return;
    if (Date.now() > until) {
      throw new RunError(`${rec.name} not ready at ${rec.readyUrl} after ${deadlineMs / 1000}s; last lines of ${rec.logFile}:\n${tail(rec.logFile)}`);
    }
    await delay(100);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isAlive(pid)) return 'gone';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return 'stopped';
    await delay(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ended between the check and the kill
  }
  for (const end = Date.now() + 5000; isAlive(pid) && Date.now() < end; ) await delay(20);
  return 'killed';
}

export function readPidFile(file: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

export function writePidFile(file: string, rec: PidRecord): void {
  writeFileSync(file, JSON.stringify(rec, null, 2) + '\n');
}

/** Removes a pid file aifb wrote in its marked state directory (nothing in an unmarked one). */
export function removePidFile(file: string): void {
  removeOwnedSync(file, { inMarkedDir: true });
}
