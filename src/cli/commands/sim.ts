import { runSimS3, SIM_S3_HELP } from './sim-s3.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RunError, UsageError } from '../../errors.js';
import { llmSimOptionsSchema, type LlmSimOptionsInput } from '../../sim/llm/options.js';
import { startLlmSimulator, type LlmSimulator } from '../../sim/llm/server.js';
import { parseCommandArgs, type Options } from '../args.js';
import { helpFor, subcommandsHelp } from '../help.js';
import { withStopSignal, type Command, type CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';

type Kind = 'number' | 'int' | 'boolean' | 'string';

/** Flags that map one to one onto an option (flag = option name in kebab-case). */
const FLAGS: Record<string, { kind: Kind; arg?: string; help: string }> = {
  host: { kind: 'string', arg: 'H', help: 'listen address [127.0.0.1]' },
  port: { kind: 'int', arg: 'N', help: 'port, 0 = any free one [0]' },
  seed: { kind: 'int', arg: 'N', help: 'seed of every random draw [0]' },
  'prefill-ms-per-token': { kind: 'number', arg: 'X', help: 'prefill time per prompt token [0.1]' },
  'decode-ms': { kind: 'number', arg: 'X', help: 'one decode step with one running sequence [20]' },
  'batch-slowdown': { kind: 'number', arg: 'X', help: 'step time × (1 + X × (running − 1)) [0.005]' },
  'max-num-seqs': { kind: 'int', arg: 'N', help: 'sequences running at once; the rest queue FIFO [256]' },
  'max-model-len': { kind: 'int', arg: 'N', help: 'context window (prompt + output) [4096]' },
  jitter: { kind: 'number', arg: 'X', help: 'relative stdev of step times, clipped at ±3σ [0.05]' },
  'tokens-per-chunk': { kind: 'int', arg: 'K', help: 'tokens per step and streamed chunk (speculative decoding) [1]' },
  'default-max-tokens': { kind: 'int', arg: 'N', help: '/v1/completions max_tokens when absent [16]' },
  'mean-output-tokens': { kind: 'number', arg: 'X', help: 'mean output length when EOS is honoured [128]' },
  'ignore-eos': { kind: 'boolean', help: 'treat every request as ignore_eos (exact lengths)' },
  'error-rate': { kind: 'number', arg: 'R', help: 'share of requests answered with HTTP 500 [0]' },
  'midstream-error-rate': { kind: 'number', arg: 'R', help: 'share of requests cut after some chunks [0]' },
  'malformed-rate': { kind: 'number', arg: 'R', help: 'share of streams with one garbage line [0]' },
  'stall-ms': { kind: 'number', arg: 'X', help: 'the engine freezes this long ... [0]' },
  'stall-every-ms': { kind: 'number', arg: 'X', help: '... once every this many ms [0]' },
  'ping-ms': { kind: 'number', arg: 'X', help: '": ping" comment lines on OpenAI streams, 0 = none [0]' },
  'truth-capacity': { kind: 'int', arg: 'N', help: 'truth records kept for /sim/truth/{id} [10000]`;' },
};

/** The flags of `aifb sim llm`: the one-to-one ones and the two that are not. */
function simFlags(): Options {
  const spec: Options = {
    model: { type: 'string', multiple: true, arg: 'NAME', help: 'a served model name; repeat for several [sim-llm]' },
    config: { type: 'string', arg: 'FILE', help: 'YAML file with option keys (snake_case); flags override it' },
  };
  for (const [flag, f] of Object.entries(FLAGS)) spec[flag] = { type: f.kind === 'boolean' ? 'boolean' : 'string', ...(f.arg ? { arg: f.arg } : {}), help: f.help };
  return spec;
}

const SIM_LLM_HELP = {
  name: 'llm',
  summary: 'the LLM simulator: OpenAI/vLLM, Ollama and Triton protocols on one port',
  flags: simFlags(),
  usage: '[options]',
  description:
    "Serves a protocol-faithful LLM simulator on one port: OpenAI-compatible (/v1, as vLLM), Ollama (/api) and Triton KServe v2 (/v2), with a seeded continuous-batching performance model and failure injection. Use it to test aifb's LLM backends or to dry-run a recipe. It serves until SIGINT or SIGTERM. docs/simulator.md describes every option; defaults in brackets.",
};

const kebabToSnake = (s: string) => s.replace(/-/g, '_');

function parseNumber(flag: string, value: string, kind: Kind): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`sim llm: --${flag} expects a number, got "${value}"`);
  if (kind === 'int' && !Number.isInteger(n)) throw new UsageError(`sim llm: --${flag} expects an integer, got "${value}"`);
  return n;
}

function readConfig(file: string, cwd: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new UsageError(`sim llm: cannot read --config ${file}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new UsageError(`sim llm: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`sim llm: ${file} must be a mapping of option names to values`);
  return value as Record<string, unknown>;
}

/** Turns `aifb sim …` arguments into simulator options; throws UsageError on bad input. */
export function parseSimArgs(args: string[], cwd: string): LlmSimOptionsInput {
  const { values, positionals } = parseCommandArgs(args, SIM_LLM_HELP.flags, 'sim');
  if (positionals[0] !== 'llm' || positionals.length > 1) {
    throw new UsageError(`sim: expected "aifb sim llm [options]"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}`);
  }
  const v = values as Record<string, string | boolean | string[] | undefined>;
  const merged: Record<string, unknown> = typeof v.config === 'string' ? readConfig(v.config, cwd) : {};
  for (const [flag, { kind }] of Object.entries(FLAGS)) {
    const value = v[flag];
    if (value === undefined) continue;
    merged[kebabToSnake(flag)] = kind === 'boolean' || kind === 'string' ? value : parseNumber(flag, value as string, kind);
  }
  if (Array.isArray(v.model)) merged.models = v.model;
  const checked = llmSimOptionsSchema.safeParse(merged);
  if (!checked.success) {
    const lines = checked.error.issues.map((i) => `  ${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new UsageError(`sim llm: invalid options:\n${lines.join('\n')}`);
  }
  return merged as LlmSimOptionsInput;
}

/** Starts the simulator, prints where it listens, and serves until `stop` aborts. */
export async function serveSim(options: LlmSimOptionsInput, io: CommandIO, stop: AbortSignal): Promise<number> {
  let sim: LlmSimulator;
  try {
    sim = await startLlmSimulator(options);
  } catch (err) {
    throw new RunError(`sim llm: cannot listen: ${(err as Error).message}`, { cause: err });
  }
  const o = sim.options;
  io.stdout.write(
    `aifb sim llm: listening on ${sim.url}\n` +
      `  models: ${o.models.join(', ')}; tensor models: ${o.tensor_models.map((t) => t.name).join(', ') || '-'}\n` +
      `  OpenAI ${sim.url}/v1 · Ollama ${sim.url}/api · Triton ${sim.url}/v2 · ${sim.url}/metrics · ${sim.url}/sim/truth/{id}\n`,
  );
  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  await sim.close();
  io.stdout.write('aifb sim llm: stopped\n');
  return EXIT.ok;
}

const SIM_SUBS = [SIM_LLM_HELP, SIM_S3_HELP];
const SIM_TEXT = { usage: 'llm | s3 [options]', description: 'Serves a simulated service in the foreground until SIGINT or SIGTERM.' };

export const simCommand: Command = {
  name: 'sim',
  summary: 'serve the LLM simulator (OpenAI/vLLM, Ollama and Triton protocols)',
  usage: subcommandsHelp('sim', SIM_SUBS, SIM_TEXT),
  helpFor: (args) => helpFor('sim', SIM_SUBS, SIM_TEXT, args),
  flags: SIM_SUBS.flatMap((sub) => Object.keys(sub.flags).map((f) => `--${f}`)),
  subcommands: ['llm', 's3'],
  async run(args, io) {
    if (args[0] === 's3') return runSimS3(args.slice(1), io);
    const options = parseSimArgs(args, io.cwd);
    return withStopSignal((stop) => serveSim(options, io, stop), true);
  },
};
