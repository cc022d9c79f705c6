import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { repoRoot } from './cli.js';

const READY_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;

/** A real ChromaDB server (the Rust server shipped in the chromadb npm package), in a temp dir it owns. */
export interface ChromaServer {
  host: string;
  port: number;
  url: string;
  dir: string;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** `chroma run --path DIR --host 127.0.0.1 --port P`, then waits for /api/v2/heartbeat. */
export async function startChroma(): Promise<ChromaServer> {
  const dir = await mkdtemp(join(tmpdir(), 'aifb-chroma-'));
  const port = await freePort();
  const cli = join(repoRoot, 'node_modules', 'chromadb', 'dist', 'cli.mjs');
  let log = '';
  const child: ChildProcess = spawn(process.execPath, [cli, 'run', '--path', join(dir, 'data'), '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
  });
  const keep = (d: Buffer) => (log = (log + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`chroma exited during startup:\n${log}`);
    }
    const ok = await fetch(`${url}/api/v2/heartbeat`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`chroma was not ready within ${READY_DEADLINE_MS} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host: '127.0.0.1', port, url, dir, destroy: stop };
}
