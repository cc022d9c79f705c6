/** One CLI command. Commands return an exit code; only cli/main.ts turns errors into codes. */
export interface Command {
  name: string;
  /** One line for `aifb help`. */
  summary: string;
  /** Usage text for `aifb <name> --help`, generated from the command's flag table (cli/help.ts). */
  usage: string;
  /** For a command with subcommands: the help of `aifb <name> [SUB] --help` (args are the words after the name). */
  helpFor?(args: string[]): string;
  /** Every flag of the command and its subcommands, for shell completion (default: those its usage names). */
  flags?: string[];
  /** Words that may follow the command (slurm script, sim s3), for shell completion. */
  subcommands?: string[];
  run(args: string[], io: CommandIO): Promise<number>;
}

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Runs `work` with a signal that SIGINT and SIGTERM abort, their handlers gone when it
 * settles; `once`: a second signal is Node's again (it ends the process).
 */
export async function withStopSignal<T>(work: (stop: AbortSignal) => Promise<T>, once = false): Promise<T> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process[once ? 'once' : 'on'](sig, onSignal);
  try {
    return await work(stop.signal);
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.off(sig, onSignal);
  }
}
