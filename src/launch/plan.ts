import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ServiceSpec } from '../recipe/types.js';
import type { BackendDefinition } from '../services/contract.js';
import { fieldsOf } from '../services/fields.js';
import { apptainerArgv, imageFor } from './apptainer.js';
import { launcherOf, serviceEnv, wantsGpu } from './config.js';
import { safeFileName } from './quote.js';
import type { LauncherConfig, ReadySpec, ServerLaunch } from './types.js';

/** Everything needed to start one server, with placeholders filled in. */
export interface ServerPlan {
  service: string;
  launcher: LauncherConfig;
  argv: string[];
  /** Environment for the server (recipe `environment` over the server's own); secrets included. */
  env: Record<string, string>;
  port: number;
  /** Address the server listens on (all interfaces under Slurm: the client runs elsewhere). */
  listenHost: string;
  ready: ReadySpec | undefined;
  gpu: boolean;
  /** Host directory for persistent data, created before the server starts. */
  dataDir: string | undefined;
  /** Names in `env` that are secrets besides those whose names say so: never written into scripts. */
  secretEnv: string[];
}

export interface PlanContext {
  /** Working directory for relative paths (the recipe's cwd). */
  cwd: string;
  /** Where logs and default data dirs go. */
  logsDir: string;
  /** Cache of pulled .sif images (`aifb containers pull --dir`). */
  imageCache?: string;
}

import { aifbCommand } from './self.js';

function fill(word: string, v: Record<string, string>): string {
  return word.replace(/\{(port|host|data_dir)\}/g, (m, k: string) => v[k] ?? m);
}

/** The server description its backend gives for this service; empty when it gives none. */
export function serverOf(spec: Pick<ServiceSpec, 'fields'>, def: BackendDefinition | undefined): ServerLaunch {
  return (def?.server && def.server(fieldsOf(def.fields, spec.fields))) ?? {};
}

/**
 * Resolves how one service starts: command (native or wrapped in Apptainer), port,
 * environment, readiness and data directory. Throws a UsageError naming what is missing.
 */
export function planServer(spec: ServiceSpec, def: BackendDefinition | undefined, ctx: PlanContext, where: 'local' | 'slurm'): ServerPlan {
  const launcher = launcherOf(spec.fields);
  const server = serverOf(spec, def);
  const f = spec.fields;
  const port = typeof f.port === 'number' ? f.port : server.port;
  if (port === undefined) throw new UsageError(`service "${spec.name}": the launcher needs a port (set port:)`);
  const listenHost = where === 'slurm' ? '0.0.0.0' : '127.0.0.1';
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.cwd, p));
  const apptainer = launcher.runtime === 'apptainer';
  const hostData = launcher.dataDir ? abs(launcher.dataDir) : server.dataDir ? join(abs(ctx.logsDir), 'data', safeFileName(spec.name)) : undefined;
  const dataInside = apptainer ? server.dataDir : hostData;
  const vars = { port: String(port), host: listenHost, data_dir: dataInside ?? '' };
  const gpu = wantsGpu(f);
  let argv: string[];
  if (apptainer) {
    const image = typeof f.container_image === 'string' ? f.container_image : server.image;
    if (!image) throw new UsageError(`service "${spec.name}": runtime apptainer needs container_image`);
    const inner = launcher.command ?? (launcher.apptainerMode === 'run' ? [] : (server.containerCommand ?? server.command ?? []));
    const binds = [...(hostData && server.dataDir ? [`${hostData}:${server.dataDir}`] : []), ...launcher.binds];
    argv = apptainerArgv({ mode: launcher.apptainerMode, image: imageFor(image, ctx.imageCache), gpu, binds, command: inner.map((w) => fill(w, vars)) });
  } else {
    const cmd = launcher.command ?? server.command;
    if (!cmd || cmd.length === 0) {
      throw new UsageError(`service "${spec.name}": launcher ${launcher.type} needs launcher.command (aifb does not know how to start ${spec.type} natively)`);
    }
    // `{aifb}` stands for this aifb itself (its Node and build), e.g. `[{aifb}, sim, llm, --port, "{port}"]`.
    argv = cmd.flatMap((w) => (w === '{aifb}' ? aifbCommand() : [fill(w, vars)]));
  }
  const env = { ...mapValues(server.env ?? {}, (v) => fill(v, vars)), ...serviceEnv(f) };
  return { service: spec.name, launcher, argv, env, port, listenHost, ready: launcher.ready ?? server.ready, gpu, dataDir: hostData, secretEnv: server.secretEnv ?? [] };
}

function mapValues(o: Record<string, string>, fn: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v)]));
}
