import { AifbError, RecipeError } from '../errors.js';
import type { Command, CommandIO } from './command.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { reportCommand } from './commands/report.js';
import { schemaCommand } from './commands/schema.js';
import { simCommand } from './commands/sim.js';
import { pushCommand } from './commands/push.js';
import { monitorCommand } from './commands/monitor.js';
import { compareCommand } from './commands/compare.js';
import { exportCommand } from './commands/export.js';
import { slurmCommand } from './commands/slurm.js';
import { containersCommand } from './commands/containers.js';
import { mergeCommand } from './commands/merge.js';
import { EXIT } from './exit-codes.js';
import { scrub } from '../util/scrub.js';

const COMMANDS: Command[] = [runCommand, validateCommand, reportCommand, schemaCommand, simCommand, pushCommand, monitorCommand, compareCommand, exportCommand, slurmCommand, containersCommand, mergeCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'aifb — AI Factory Bench',
    '',
    'Usage: aifb <command> [options]   (aifb <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'With no command, or with --recipe FILE as the seed had it, aifb runs a recipe.',
  ].join('\n');
}

/** Runs the CLI and returns its exit code; errors become one message and a code, never a stack. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(help() + '\n');
    return EXIT.ok;
  }
  if (first === '--version' || first === 'version') {
    const { collectProvenance } = await import('../metrics/provenance.js');
    io.stdout.write(collectProvenance().aifbVersion + '\n');
    return EXIT.ok;
  }
  // The seed's habit: `main.py --recipe x.yml` with no command means run.
  const command = first === undefined || first.startsWith('-') ? runCommand : COMMANDS.find((c) => c.name === first);
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  if (!command) {
    io.stderr.write(`aifb: unknown command "${first}"\n\n${help()}\n`);
    return EXIT.badInput;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(command.usage + '\n');
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, raw: CommandIO): number {
  // Whatever an error quotes (a server's body, a URL, a recipe value) is scrubbed of secrets.
  const io = { stderr: { write: (text: string) => raw.stderr.write(scrub(text)) } };
  if (err instanceof RecipeError) {
    const n = err.issues.length;
    io.stderr.write(`aifb: the recipe has ${n === 1 ? 'a problem' : `${n} problems`}:\n${err.message}\n`);
    return EXIT.badInput;
  }
  if (err instanceof AifbError) {
    io.stderr.write(`aifb: ${err.message}\n`);
    return err.kind === 'bad-input' ? EXIT.badInput : EXIT.runtime;
  }
  const e = err as Error;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    io.stderr.write('aifb: the metrics database is locked by another process (another aifb run writing to it?): try again when it ends, or use another metrics_db\n');
    return EXIT.runtime;
  }
  io.stderr.write(`aifb: unexpected error: ${e?.message ?? String(err)}\n`);
  if (process.env.AIFB_DEBUG) io.stderr.write(`${e?.stack ?? ''}\n`);
  return EXIT.runtime;
}
