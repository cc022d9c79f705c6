#!/usr/bin/env node
'use strict';
// The installed `aifb` command. File-system operations run on libuv's thread pool, shared by
// every thread of the process and 4 threads by default: one service's fsyncs then queue
// another's reads inside aifb, and that wait is reported as the storage's latency (issue 17,
// bench/isolation/threadpool.ts). The pool reads UV_THREADPOOL_SIZE once, when it starts; a
// CommonJS entry runs before any asynchronous file operation (an ESM entry does not: the
// loader reads it through the pool), so this is the one place early enough. A value the user
// set is kept; child processes (`aifb sim …`, generator processes) inherit it.
process.env.UV_THREADPOOL_SIZE ??= '128';
import('../dist/cli/bin.js').catch((err) => {
  process.stderr.write(`aifb: cannot start (${err && err.message ? err.message : err}); run \`npm run build\` first\n`);
  process.exit(1);
});
