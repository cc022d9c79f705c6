/**
 * A load generator in a worker thread: runs its share of one service into its own shard
 * database, exactly as `aifb slurm worker` does in a child process (launch/worker.ts).
 * The parent posts 'stop' to end the load; the thread posts back its exit code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../util/log.js';
import type { ThreadGeneratorData } from './generators.js';
import { runShard } from './worker.js';

/** Exit codes as the child-process generator uses them: 0 complete, 143 stopped, 1 otherwise. */
const THREAD_EXIT = { ok: 0, failed: 1, stopped: 143 } as const;

const data = workerData as ThreadGeneratorData;
const stop = new AbortController();
parentPort!.on('message', (m) => {
  if (m === 'stop') stop.abort(new Error('run stopped'));
});
let code: number = THREAD_EXIT.failed;
try {
  const log = createLogger(data.logLevel).child(`generator ${data.index}`);
  const r = await runShard({ ...data, log, stop: stop.signal });
  code = stop.signal.aborted ? THREAD_EXIT.stopped : r.status === 'complete' ? THREAD_EXIT.ok : THREAD_EXIT.failed;
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
}
parentPort!.postMessage({ code });
parentPort!.close();
