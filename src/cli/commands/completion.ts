import { UsageError } from '../../errors.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { commandHelp } from '../help.js';

/** The flags a command's help names: its help is the one list of them, so completion follows it. */
export function flagsOf(command: Command): string[] {
  return [...new Set(command.flags ?? command.usage.match(/(?<![\w-])--[a-z][a-z0-9-]*/g) ?? [])].sort();
}

/** A bash completion script: commands, then each command's subcommands and flags; file names otherwise. */
export function bashCompletion(commands: Command[]): string {
  const cases = commands
    .map((c) => `    ${c.name}) words="${[...(c.subcommands ?? []), ...flagsOf(c), '--help'].join(' ')}" ;;`)
    .join('\n');
  return `# aifb bash completion: eval "$(aifb completion bash)" (e.g. in ~/.bashrc)
_aifb() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) words="" ;;
  esac
  if [[ "$cur" == -* || "$COMP_CWORD" -eq 2 ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
}
complete -o default -F _aifb aifb
`;
}

/** `aifb completion bash|zsh`; zsh uses the bash script through bashcompinit. */
export function completionCommand(commands: Command[]): Command {
  return {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh)',
    usage: commandHelp('completion', {}, {
      usage: 'bash|zsh',
      description: "Prints a completion script for the shell: commands, subcommands and each command's flags.",
      after: 'bash:  eval "$(aifb completion bash)"     (add the line to ~/.bashrc)\nzsh:   eval "$(aifb completion zsh)"      (add the line to ~/.zshrc)',
    }),
    subcommands: ['bash', 'zsh'],
    async run(args, io) {
      const shell = args[0];
      if (args.length !== 1 || (shell !== 'bash' && shell !== 'zsh')) throw new UsageError('completion: name the shell: aifb completion bash (or zsh)');
      const script = bashCompletion(commands);
      io.stdout.write(shell === 'bash' ? script : `autoload -U +X bashcompinit && bashcompinit\n${script}`);
      return EXIT.ok;
    },
  };
}
