#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// libuv's thread pool is sized by bin/aifb.cjs, the installed `aifb` command: the ESM loader
// has already started the pool (4 threads) while reading this file, so setting
// UV_THREADPOOL_SIZE here would be too late (issue 17, docs/performance.md).
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
