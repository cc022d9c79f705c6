// The aifb CLI with the slurm, merge and containers commands available whether or not
// src/cli/main.ts registers them yet: tests (and the Slurm jobs they submit, through
// AIFB_COMMAND) run this entry. Everything else goes to the real main().
import { main } from '../../src/cli/main.js';
import { slurmCommand } from '../../src/cli/commands/slurm.js';
import { mergeCommand } from '../../src/cli/commands/merge.js';
import { containersCommand } from '../../src/cli/commands/containers.js';
import { AifbError } from '../../src/errors.js';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
const [first, ...rest] = process.argv.slice(2);
const own = [slurmCommand, mergeCommand, containersCommand].find((c) => c.name === first);
let code: number;
if (!own) code = await main(process.argv.slice(2), io);
else {
  try {
    code = await own.run(rest, io);
  } catch (err) {
    io.stderr.write(`aifb: ${(err as Error).message}\n`);
    code = err instanceof AifbError && err.kind === 'bad-input' ? 2 : 1;
  }
}
process.exitCode = code;
setTimeout(() => process.exit(code), 3000).unref();
