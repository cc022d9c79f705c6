// Starts a real server for a live test through aifb's own local launcher (the code a
// `launcher: local` recipe runs: process group, readiness check, log tail on failure), on a
// free port, and stops it when the test ends.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { launcherOf } from '../../src/launch/config.js';
import { launchLocal } from '../../src/launch/local.js';
import type { ReadySpec } from '../../src/launch/types.js';
import { createLogger } from '../../src/util/log.js';
import { freePort } from '../launch/helpers.js';

export interface LiveServer {
  port: number;
  url: string;
  /** The server's log so far (for assertions and failure messages). */
  log(): string;
  stop(): Promise<void>;
  /** Stops the server, runs `whileDown` (if given), starts it again on the same port, ready. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

/** Starts `argv(port)` with aifb's local launcher and waits for `ready`; stopped after the test. */
export async function startLive(
  t: TestContext,
  name: string,
  argv: (port: number) => string[],
  ready: ReadySpec,
  opts: { env?: Record<string, string> | ((port: number) => Record<string, string>); readyTimeout?: string } = {},
): Promise<LiveServer> {
  const port = await freePort();
  const logsDir = mkdtempSync(join(tmpdir(), `aifb-live-${name}-`));
  const launcher = launcherOf({ launcher: { type: 'local', ready, ready_timeout: opts.readyTimeout ?? '120s' } });
  const log = createLogger('error', () => {});
  const start = () =>
    launchLocal(
      { service: name, launcher, argv: argv(port), env: typeof opts.env === 'function' ? opts.env(port) : (opts.env ?? {}), port, listenHost: '127.0.0.1', ready, gpu: false, dataDir: undefined },
      { logsDir, log, stopGraceMs: 5_000 },
    );
  let launched = await start();
  let stopped = false;
  const server: LiveServer = {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => {
      const dir = join(logsDir, 'services');
      return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await launched.stop();
    },
    restart: async (whileDown) => {
      await launched.stop();
      await whileDown?.();
      launched = await start();
    },
  };
  t.after(async () => {
    await server.stop();
    rmSync(logsDir, { recursive: true, force: true });
  });
  return server;
}
