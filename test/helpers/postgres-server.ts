import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 (package `postgresql`). */
export const PG_BIN = process.env.AIFB_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const READY_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 15_000;

/** A real PostgreSQL started for a test run, in a temporary directory it owns. */
export interface PgServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The temporary directory: data in `data/`, the Unix socket beside it. */
  dir: string;
  /** Fast shutdown (clients are disconnected); resolves when the server has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data after stop(). */
  start(): Promise<void>;
  /** stop() and remove the directory. */
  destroy(): Promise<void>;
}

export interface PgServerOptions {
  /** Extra `-c name=value` settings (e.g. `{fsync: 'off'}` for tests). */
  settings?: Record<string, string>;
}

/** postgres refuses to run as root: as root, run it as the `postgres` account. */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/**
 * initdb into a fresh temporary directory (password auth over TCP, user `aifb`), then
 * starts `postgres` on a free loopback port and waits until it accepts connections.
 */
export async function startPostgres(options: PgServerOptions = {}): Promise<PgServer> {
  const owner = await runAs();
  const dir = await mkdtemp(join(tmpdir(), 'aifb-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, password + '\n', { mode: 0o600 });
  if (owner) await chown(pwfile, owner.uid, owner.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const asOwner = { env, ...(owner ?? {}) };
  const initArgs = ['-D', data, '-U', 'aifb', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'];
  try {
    await run(join(PG_BIN, 'initdb'), initArgs, asOwner);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await rm(pwfile, { force: true });
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: '200', ...options.settings };
  const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    let log = '';
    const proc = spawn(join(PG_BIN, 'postgres'), args, { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    child = proc;
    exited = new Promise<void>((r) => proc.once('exit', () => r()));
    let dead = false;
    void exited.then(() => (dead = true));
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      if (dead) throw new Error(`postgres exited during startup:\n${log}`);
      const ok = await run(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '1'], { env }).then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`postgres was not ready within ${READY_DEADLINE_MS} ms:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGINT'); // fast shutdown: ends sessions, then exits
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    await start();
  } catch (err) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    user: 'aifb',
    password,
    database: 'postgres',
    dir,
    stop,
    start,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A server for one test file, removed when it ends (node:test's `after`). */
export async function postgresFor(t: { after(fn: () => Promise<void>): void }, options?: PgServerOptions): Promise<PgServer> {
  const server = await startPostgres(options);
  t.after(() => server.destroy());
  return server;
}

/** The server's version line, e.g. for provenance in benches. */
export async function postgresVersion(): Promise<string> {
  const { stdout } = await run(join(PG_BIN, 'postgres'), ['--version']);
  return stdout.trim();
}
