#!/usr/bin/env node
// File-system operations run on libuv's thread pool (4 threads by default): with more
// concurrent file operations than threads, requests would queue inside aifb and that
// wait would be reported as the storage's latency. It must be sized before first use.
process.env.UV_THREADPOOL_SIZE ??= '128';

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
