import { pause as sleep } from '../util/sleep.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { RunError } from '../errors.js';
import type { ReadySpec } from './types.js';

/** A readiness check bound to a concrete target. JSON-serialisable: Slurm jobs run it too. */
export type Probe =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'log'; file: string; pattern: string }
  | { kind: 'all'; probes: Probe[] };

export interface ProbeTarget {
  host: string;
  port: number;
  /** The service's log, for `log` probes. */
  logFile?: string;
}

/** Binds a recipe's or backend's readiness to where the service runs; a bare port check by default. */
export function resolveProbe(spec: ReadySpec | undefined, t: ProbeTarget): Probe {
  if (spec === undefined) return { kind: 'tcp', host: t.host, port: t.port };
  if (Array.isArray(spec)) return { kind: 'all', probes: spec.map((s) => resolveProbe(s, t)) };
  if ('http' in spec) {
    const url = /^https?:\/\//.test(spec.http) ? spec.http : `http://${hostForUrl(t.host)}:${t.port}${spec.http.startsWith('/') ? '' : '/'}${spec.http}`;
    return { kind: 'http', url };
  }
  if ('log' in spec) {
    if (!t.logFile) throw new RunError('a log readiness check needs the service log file');
    return { kind: 'log', file: t.logFile, pattern: spec.log };
  }
  return { kind: 'tcp', host: t.host, port: t.port };
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** One attempt: undefined when ready, else what was seen (for the error message). */
export async function checkOnce(p: Probe, timeoutMs = 2000): Promise<string | undefined> {
  switch (p.kind) {
    case 'http':
      return checkHttp(p.url, timeoutMs);
    case 'tcp':
      return checkTcp(p.host, p.port, timeoutMs);
    case 'log':
      return new RegExp(p.pattern).test(readEnd(p.file, 4 << 20)) ? undefined : `no line matching /${p.pattern}/ in ${p.file} yet`;
    case 'all': {
      for (const sub of p.probes) {
        const why = await checkOnce(sub, timeoutMs);
        if (why !== undefined) return why;
      }
      return undefined;
    }
  }
}

function checkHttp(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 300 ? undefined : `GET ${url} answered HTTP ${code}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(`GET ${url}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    req.end();
  });
}

function checkTcp(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`connect ${host}:${port}: no answer within ${timeoutMs} ms`);
    });
    socket.once('error', (err) => resolve(`connect ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
  });
}

/** The last `maxBytes` of a file as text ('' when it does not exist yet). */
export function readEnd(file: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(file).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Undefined when nothing accepts connections on host:port, else who answered (for messages). */
export async function portTaken(host: string, port: number): Promise<string | undefined> {
  return (await checkTcp(host, port, 1000)) === undefined ? `port ${port} on ${host} is already in use by another process` : undefined;
}

/** The last `n` lines of a log file, for error messages. */
export function tailLines(file: string, n = 20): string[] {
  const lines = readEnd(file, 64 << 10).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n);
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Shown (its tail) when the service does not come up. */
  logFile?: string;
  /** What is being waited for, for messages (e.g. `service "web"`). */
  what?: string;
  /** Returns why waiting is pointless (the process exited, the job ended), or undefined. */
  gone?: () => string | undefined | Promise<string | undefined>;
}

/** The service did not become ready; the message carries the log tail. */
export class ReadinessError extends RunError {}

/** A message with the last lines of the service's log appended. */
export function withLogTail(message: string, logFile: string | undefined, n = 20): string {
  if (!logFile) return message;
  const tail = tailLines(logFile, n);
  return tail.length === 0
    ? `${message}\n(the service log ${logFile} is empty)`
    : `${message}\nlast ${tail.length} lines of ${logFile}:\n${tail.map((l) => `  | ${l}`).join('\n')}`;
}

/**
 * Polls the probe until it passes, the deadline passes, the service goes away or the
 * signal aborts. Never a fixed sleep: it returns as soon as the service answers.
 */
export async function waitReady(probe: Probe, o: WaitOptions): Promise<void> {
  const what = o.what ?? 'the service';
  const deadline = Date.now() + o.timeoutMs;
  const interval = o.intervalMs ?? 200;
  let last = 'not checked yet';
  for (;;) {
    if (o.signal?.aborted) throw new ReadinessError(`stopped while waiting for ${what} to be ready`);
    const why = await checkOnce(probe, Math.min(2000, Math.max(100, deadline - Date.now())));
    // Checked after a pass too: an answer from a server that is not ours (port taken) is no readiness.
    const gone = await o.gone?.();
    if (why === undefined && gone === undefined) return;
    last = why ?? 'answered, but not from this service';
    if (gone !== undefined) throw new ReadinessError(withLogTail(`${what} ${gone} before it was ready (last check: ${last})`, o.logFile));
    if (Date.now() >= deadline) {
      throw new ReadinessError(withLogTail(`${what} was not ready within ${Math.round(o.timeoutMs / 1000)} s (last check: ${last})`, o.logFile));
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), o.signal);
  }
}

