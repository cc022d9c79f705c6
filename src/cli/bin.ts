#!/usr/bin/env node
import { keepRequestGarbageYoung } from '../util/heap.js';

// libuv's thread pool is sized by bin/aifb.cjs, the installed `aifb` command: the ESM loader
// has already started the pool (4 threads) while reading this file, so setting
// UV_THREADPOOL_SIZE here would be too late (issue 17, docs/performance.md).
// Before anything else runs: process-wide, so generator threads have it too.
keepRequestGarbageYoung();

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
