#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';

// File-system operations run on libuv's thread pool (4 threads by default), shared by every
// thread of the process: with more concurrent file operations than threads, one service's
// fsyncs queue another's reads inside aifb, reported as the storage's latency (issue 17,
// bench/isolation/threadpool.ts). The pool reads UV_THREADPOOL_SIZE once, when it starts,
// and the ESM loader has started it reading this file, so setting the variable here is
// too late: without one, aifb starts itself again once with it set (children inherit it).
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    // A group of its own, so a terminal's Ctrl-C reaches it once, through this process.
    detached: true,
    env: { ...process.env, UV_THREADPOOL_SIZE: '128' },
  });
  // Every stop signal sent to aifb reaches the run (a second Ctrl-C included).
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, forward);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  await start();
}

async function start(): Promise<void> {
  // V8 allocates straight into the old generation from allocation sites whose objects often
  // survived a young-generation collection. Under load it picked per-request objects; their
  // dead copies there then kept younger objects alive through each young collection, which
  // grew every pause (open loop at 10k req/s: scavenge 0.86 → 0.61–0.70 ms and schedule lag
  // p99 0.72–0.81 → 0.49–0.54 ms without it; docs/performance.md). Process-wide, so it also
  // covers generator threads; set before anything else runs.
  setFlagsFromString('--no-allocation-site-pretenuring');

  const { main } = await import('./main.js');
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  });
  process.exitCode = code;
  // Leave once output is flushed, even if a backend left a handle open.
  setTimeout(() => process.exit(code), 3000).unref();
}
