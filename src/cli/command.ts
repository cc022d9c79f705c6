/** One CLI command. Commands return an exit code; only cli/main.ts turns errors into codes. */
export interface Command {
  name: string;
  /** One line for `aifb help`. */
  summary: string;
  /** Usage text for `aifb <name> --help`. */
  usage: string;
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
