import { spawn, type ChildProcess } from 'node:child_process';
import { ReplyReader, type Reply } from './protocol.js';
import { WORKER_SOURCE } from './worker-source.js';

/** What the worker said about itself on start. */
export interface Hello {
  faiss: string;
  gpus: number;
  python: string;
}

interface Pending {
  resolve(r: Reply): void;
  reject(e: Error): void;
}

/**
 * One Faiss worker process. Requests are written as they come and answered in order (the
 * worker serves one at a time, so concurrent searches queue there, as they would on a
 * single-process server); each reply resolves the oldest pending request.
 */
export class FaissWorker {
  private readonly pending: Pending[] = [];
  private readonly reader = new ReplyReader();
  private stderr = '';
  private dead: Error | undefined;
  private helloWait: Pending | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    // 'close' comes after stdout is drained, so a last frame (a failed hello) is read first.
    this.exited = new Promise((r) => child.once('close', () => r()));
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const reply of this.reader.push(chunk)) {
        const p = this.helloWait ?? this.pending.shift();
        this.helloWait = undefined;
        p?.resolve(reply);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    child.stdin!.on('error', () => undefined); // a dead worker is reported by 'exit'
    child.once('close', (code, signal) => this.fail(new Error(`the Faiss worker exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim()}` : ''}`)));
    child.once('error', (err) => this.fail(err));
  }

  /** Starts `python -c WORKER_SOURCE` and waits for its hello; rejects with its reason when it cannot run. */
  static async start(python: string, env: NodeJS.ProcessEnv = process.env): Promise<{ worker: FaissWorker; hello: Hello }> {
    const child = spawn(python, ['-u', '-c', WORKER_SOURCE], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, PYTHONUNBUFFERED: '1' } });
    const worker = new FaissWorker(child);
    const reply = await new Promise<Reply>((resolve, reject) => (worker.helloWait = { resolve, reject }));
    const text = reply.payload.toString();
    if (!reply.ok) {
      await worker.close();
      throw new Error(text);
    }
    return { worker, hello: JSON.parse(text) as Hello };
  }

  /** Sends one request frame; resolves with the reply, rejects when the worker reports an error or dies. */
  async call(frame: Buffer): Promise<Reply> {
    if (this.dead) throw this.dead;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin!.write(frame);
    });
    if (!reply.ok) throw Object.assign(new Error(`faiss: ${reply.payload.toString()}`), { engineMs: reply.engineMs });
    return reply;
  }

  /** Ends the worker: closing stdin makes it exit; it is killed if it does not. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    const waiting = [...(this.helloWait ? [this.helloWait] : []), ...this.pending.splice(0)];
    this.helloWait = undefined;
    for (const p of waiting) p.reject(err);
  }
}
