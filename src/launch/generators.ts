import type Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { isAbsolute, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RunError } from '../errors.js';
import type { BenchmarkOptions, ServiceRunResult } from '../engine/types.js';
import type { MetricsStore } from '../metrics/store.js';
import type { ServiceSpec } from '../recipe/types.js';
import type { Logger, LogLevel } from '../util/log.js';
import { generatorKindOf, generatorsOf } from './config.js';
import { onExitKill } from './local.js';
import { copyShard, saveServices } from './merge.js';
import { mergeServiceRecords, type ServiceRow } from './merge-rows.js';
import { safeFileName } from './quote.js';
import { aifbCommand } from './self.js';
import { overrideArgv, type Override } from '../recipe/overrides.js';
import type { Endpoint } from './types.js';
import { workerScript } from '../util/worker-script.js';
import { createOwnedDirSync, removeOwnedSync } from '../util/owned.js';

/** What a generator thread (thread-entry.ts) is started with. */
export interface ThreadGeneratorData {
  recipeFile: string;
  index: number;
  benchmarkId: string;
  db: string;
  only: string;
  env: NodeJS.ProcessEnv;
  logLevel: LogLevel;
  /** The run's command-line overrides (structured-cloned into the thread). */
  overrides?: readonly Override[];
}

/** One running generator, thread or process, seen the same way by the parent. */
interface RunningGenerator {
  done: Promise<{ code: number | null; err: string }>;
  /** Ends its load; it keeps what it measured. */
  stop(): void;
  /** Ends it now (the parent is exiting). */
  kill(): void;
}

function keepTail(text: string, more: string): string {
  return (text + more).slice(-4000);
}

function startProcess(env: NodeJS.ProcessEnv, args: string[]): RunningGenerator {
  const [cmd, ...pre] = aifbCommand(env);
  const child = spawn(cmd!, [...pre, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = keepTail(err, d.toString())));
  const done = new Promise<{ code: number | null; err: string }>((r) => {
    child.on('close', (code) => r({ code, err }));
    child.on('error', (e) => r({ code: -1, err: e.message }));
  });
  return { done, stop: () => child.kill('SIGTERM'), kill: () => child.kill('SIGKILL') };
}

function startThread(data: ThreadGeneratorData): RunningGenerator {
  const { script, ...how } = workerScript(import.meta.url, 'thread-entry');
  const worker = new Worker(script, { ...how, workerData: data, env: data.env, stderr: true, stdout: true });
  let err = '';
  worker.stderr.on('data', (d: Buffer) => (err = keepTail(err, d.toString())));
  worker.stdout.resume();
  let code: number | null = null;
  worker.on('message', (m: { code?: number }) => (code = m.code ?? code));
  const done = new Promise<{ code: number | null; err: string }>((r) => {
    worker.on('error', (e) => (err = keepTail(err, e.message)));
    worker.on('exit', (exit) => r({ code: code ?? (exit === 0 ? 1 : exit), err }));
  });
  return { done, stop: () => worker.postMessage('stop'), kill: () => void worker.terminate() };
}


export interface LocalGeneratorOptions {
  benchmarkId: string;
  /** The parent run's database: the generators' rows are merged into it. */
  db: Database.Database;
  recipeFile: string;
  logsDir: string;
  log: Logger;
  stop: AbortSignal;
  /** Where the service answers when the parent launched it (children must not launch it again). */
  endpoint?: Endpoint;
  env?: NodeJS.ProcessEnv;
  /** The run's command-line overrides: each generator applies them to the recipe it reads again. */
  overrides?: readonly Override[];
}

export interface GeneratorsOutcome {
  status: 'complete' | 'partial' | 'failed';
  error?: string;
  rows: number;
}

/**
 * Runs a service with `generators: N` on this machine: N worker threads (or, with
 * `generator_kind: process`, child processes running `aifb slurm worker --service NAME
 * --index k`), each with its own shard database, then
 * merges their rows into the parent's database as one service. Stopping the run tells
 * every generator to stop (SIGTERM to a process); each ends its load and keeps what it measured.
 */
export async function runLocalGenerators(spec: ServiceSpec, o: LocalGeneratorOptions): Promise<GeneratorsOutcome> {
  const g = generatorsOf(spec.fields);
  const base = isAbsolute(o.logsDir) ? o.logsDir : resolve(o.logsDir);
  // A new directory of this run's own (unique suffix, marker): never one already there, not even another run's with the same id.
  const owned = createOwnedDirSync(join(base, 'shards'), `${safeFileName(o.benchmarkId)}-${safeFileName(spec.name)}-`, { benchmark_id: o.benchmarkId, service: spec.name });
  const dir = owned.path;
  const env = { ...(o.env ?? process.env) };
  if (o.endpoint) env.AIFB_ATTACH = JSON.stringify({ [spec.name]: { endpoint: o.endpoint } });
  const files = Array.from({ length: g }, (_, k) => join(dir, `shard-${k}.db`));
  const kind = generatorKindOf(spec.fields);
  o.log.info(`${g} load generators (${kind === 'thread' ? 'worker threads' : 'child processes'}) share the load; shards in ${dir}`);
  const generators = files.map((db, k) =>
    kind === 'thread'
      ? startThread({ recipeFile: o.recipeFile, index: k, benchmarkId: o.benchmarkId, db, only: spec.name, env, logLevel: 'info', overrides: o.overrides })
      : startProcess(env, ['slurm', 'worker', o.recipeFile, '--service', spec.name, '--index', String(k), '--id', o.benchmarkId, '--db', db, ...overrideArgv(o.overrides ?? [])]),
  );
  const forward = () => generators.forEach((c) => c.stop());
  o.stop.addEventListener('abort', forward, { once: true });
  const unregister = onExitKill(() => generators.forEach((c) => c.kill()));
  const results = await Promise.all(generators.map((c) => c.done));
  o.stop.removeEventListener('abort', forward);
  unregister();
  const failures = results.flatMap((r, k) => (r.code === 0 || (o.stop.aborted && r.code !== null && r.code > 128) ? [] : [`generator ${k} exited with ${r.code}: ${lastLine(r.err)}`]));
  const origin = Date.parse((o.db.prepare('SELECT started_at FROM runs WHERE benchmark_id = ?').get(o.benchmarkId) as { started_at: string }).started_at);
  let rows = 0;
  let offset = 0;
  const services: ServiceRow[][] = [];
  for (const [k, path] of files.entries()) {
    try {
      const c = copyShard(o.db, { path, index: k }, o.benchmarkId, origin, offset);
      rows += c.rows;
      offset += c.clientSpan;
      services.push(c.services.filter((s) => s.service_name === spec.name));
    } catch (err) {
      failures.push(`generator ${k}: ${(err as Error).message}`);
    }
  }
  const merged = mergeServiceRecords(services)[0];
  if (merged) saveServices(o.db, o.benchmarkId, [{ ...merged, ...(failures.length ? { status: 'failed', error: failures.join('; ') } : {}) }]);
  removeOwnedSync(dir, { dir: owned });
  if (!merged) throw new RunError(`no generator of ${spec.name} produced a result: ${failures.join('; ')}`);
  const status = failures.length > 0 ? 'failed' : merged.status === 'partial' || o.stop.aborted ? 'partial' : 'complete';
  return { status, rows, ...(failures.length ? { error: failures.join('; ') } : {}) };
}

/** The orchestrator's entry: runs the service's generators and reports it as one service. */
export async function runGeneratorsFor(spec: ServiceSpec, o: BenchmarkOptions & { store: MetricsStore }, log: Logger, endpoint?: Endpoint): Promise<ServiceRunResult> {
  o.store.flush();
  const r = await runLocalGenerators(spec, {
    benchmarkId: o.benchmarkId,
    db: o.store.db,
    recipeFile: o.launch?.recipeFile ?? '',
    overrides: o.launch?.overrides,
    logsDir: o.launch?.logsDir ?? 'logs',
    log,
    stop: o.stop,
    endpoint,
  });
  return { name: spec.name, status: r.status, ...(r.error ? { error: r.error } : {}) };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
