#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
// Leave once output is flushed, even if a backend left a handle open.
setTimeout(() => process.exit(code), 3000).unref();
