// Real MinIO and Weaviate servers for the tests, started the way a recipe with
// `launcher: local` starts them: aifb's own planServer + launchLocal (the backend's server.ts
// description, its environment and its readiness check), with the binaries that
// scripts/servers/*.sh put into $AIFB_CACHE/bin.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { planServer } from '../../src/launch/plan.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { launchLocal } from '../../src/launch/local.js';
import type { Launched } from '../../src/launch/types.js';
import type { ServiceSpec } from '../../src/recipe/types.js';
import { createLogger } from '../../src/util/log.js';
import { cacheDir, needTool } from './live.js';
import { freePorts } from './ports.js';

// The built-in commands name `minio` and `weaviate-server`, found on PATH as a user's would be.
process.env.PATH = `${join(cacheDir, 'bin')}${delimiter}${process.env.PATH ?? ''}`;

const quiet = createLogger('error', () => {});

export { freePorts };

export interface LiveServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  dataDir: string;
  /** The server's process id (its process group leader). */
  pid(): number;
  /** SIGKILL, as a crash or the OOM killer would: no clean shutdown. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its data. */
  close(): Promise<void>;
}

type Bare = Omit<ServiceSpec, 'load' | 'mix' | 'timeoutMs' | 'seed' | 'slo' | 'steps'>;

/** Starts a server through aifb's local launcher; the caller closes it. */
export async function launchLive(spec: Bare, span: number): Promise<LiveServer> {
  const port = await freePorts(span);
  const dataDir = await mkdtemp(join(tmpdir(), `aifb-live-${spec.name}-`));
  const full = {
    ...spec,
    fields: { ...spec.fields, port, launcher: { type: 'local', runtime: 'native', data_dir: join(dataDir, 'data'), ready_timeout: '2m' } },
    load: { mode: 'closed', clients: 1, thinkTimeMs: 0, stages: [], warmup: { kind: 'none' }, durationMs: 1000, requests: undefined },
    mix: [],
    timeoutMs: 10_000,
    seed: 1,
    slo: undefined,
    steps: undefined,
  } as ServiceSpec;
  const plan = planServer(full, builtinRegistry.resolve(full.type, full.backend), { cwd: dataDir, logsDir: dataDir }, 'local');
  let running: Launched | undefined = await launchLocal(plan, { logsDir: dataDir, log: quiet, stopGraceMs: 5000 });
  const pidOf = (l: Launched) => Number(/pid (\d+)/.exec(l.description)![1]);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    pid: () => pidOf(running!),
    kill: async () => {
      const l = running;
      if (!l) return;
      process.kill(-pidOf(l), 'SIGKILL');
      await l.stop(); // waits for the exit it now sees
      running = undefined;
    },
    restart: async () => {
      if (!running) running = await launchLocal(plan, { logsDir: dataDir, log: quiet, stopGraceMs: 5000 });
    },
    close: async () => {
      await running?.stop();
      running = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The key pair the test MinIO's root user has (MinIO wants a password of at least 8 characters). */
export const MINIO_KEYS = { access_key: 'aifb-test-user', secret_key: 'aifb-test-secret-1234' } as const;

export const MINIO_SPEC: Bare = { name: 'minio', type: 's3', backend: 'aws-sdk', fields: { ...MINIO_KEYS } };
export const WEAVIATE_SPEC: Bare = { name: 'weaviate', type: 'vectordb', backend: 'weaviate', fields: {} };

/** A real MinIO on a free loopback port, closed when the test ends; undefined (test not run) when it is not installed. */
export async function startMinio(t: TestContext): Promise<LiveServer | undefined> {
  if (!needTool(t, 'minio')) return undefined;
  const s = await launchLive(MINIO_SPEC, 1);
  t.after(() => s.close());
  return s;
}
