import { Command as Commander, CommanderError, Option } from 'commander';
import { UsageError } from '../errors.js';

/** One flag of a command: a value (`--out DIR`) or a switch (`--quiet`). */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** The flag may be given several times; its values come as a list. */
  multiple?: boolean;
  short?: string;
  /** The value's name in the help (`--out DIR`); `value` when not given. */
  arg?: string;
  /** One sentence for the generated help. */
  help?: string;
}
export type Options = Record<string, FlagSpec>;

type Value<F extends FlagSpec> = F['type'] extends 'boolean' ? boolean : F['multiple'] extends true ? string[] : string;
export interface Parsed<T extends Options> {
  values: { -readonly [K in keyof T]?: Value<T[K]> };
  positionals: string[];
  /** Every value of a repeatable flag, in the order given on the command line (--rate 5 --set … --rate 7). */
  order: { flag: string; value: string }[];
}

/**
 * Parses a command's arguments with commander: unknown flags get a did-you-mean, a bad
 * flag is a UsageError (exit code 2, one line). Help stays each command's own text.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T, command: string): Parsed<T> {
  const order: Parsed<T>['order'] = [];
  const cmd = commanderFor(options, command, order);
  try {
    cmd.parse(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    throw new UsageError(`${command}: ${oneLine(err.message)} (see aifb ${command} --help)`, { cause: err });
  }
  const values: Record<string, unknown> = {};
  for (const opt of cmd.options) {
    const v = cmd.getOptionValue(opt.attributeName());
    // commander reads `--no-grafana` as grafana=false (true when absent); ours is the switch itself.
    if (opt.negate) {
      if (v === false) values[opt.long!.slice(2)] = true;
    } else if (v !== undefined) values[opt.long!.slice(2)] = v;
  }
  return { values: values as Parsed<T>['values'], positionals: cmd.args, order };
}

/** The commander program for one command's flags; also what shell completion lists. */
export function commanderFor(options: Options, command: string, order: { flag: string; value: string }[] = []): Commander {
  const cmd = new Commander(command)
    .exitOverride()
    .helpOption(false)
    .allowExcessArguments(true)
    .showSuggestionAfterError(true)
    .configureOutput({ writeErr: () => {}, writeOut: () => {}, outputError: () => {} })
    .argument('[args...]');
  for (const [name, spec] of Object.entries(options)) {
    const flags = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` <${spec.arg ?? 'value'}>` : ''}`;
    const opt = new Option(flags, spec.help ?? '');
    if (spec.multiple) {
      opt.argParser((v: string, prev: string[] | undefined) => {
        order.push({ flag: name, value: v });
        return [...(prev ?? []), v];
      });
    }
    // `--quiet=yes` is no switch; node's parseArgs refused it and so do we.
    cmd.addOption(opt);
  }
  return cmd;
}

/** commander's "error: unknown option '--rat'\n(Did you mean --rate?)" as one line. */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
}

/** A positive integer flag value. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} expects a positive integer, got "${value}"`);
  return n;
}
