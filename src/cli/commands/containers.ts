import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { RunError, UsageError } from '../../errors.js';
import { pullArgv } from '../../launch/apptainer.js';
import { imageCacheDir } from '../../launch/index.js';
import { serverOf } from '../../launch/plan.js';
import { shellJoin } from '../../launch/quote.js';
import { loadRecipeFile } from '../../recipe/load.js';
import { builtinRegistry } from '../../services/catalog.js';
import { parseCommandArgs, type Options } from '../args.js';
import { helpFor, subcommandsHelp, type SubcommandHelp } from '../help.js';
import type { Command, CommandIO } from '../command.js';
import { EXIT } from '../exit-codes.js';

const PULL_FLAGS = {
  recipe: { type: 'string', arg: 'FILE', help: 'every container_image of the recipe (and the built-in image of each service whose runtime is apptainer)' },
  dir: { type: 'string', arg: 'DIR', help: 'the cache [$AIFB_IMAGE_CACHE or ~/.cache/aifb/images]' },
  force: { type: 'boolean', help: 'pull again over an existing file' },
  'dry-run': { type: 'boolean', help: 'print the apptainer command lines, run nothing' },
} as const satisfies Options;

const SUBS: SubcommandHelp[] = [
  {
    name: 'pull',
    flags: PULL_FLAGS,
    usage: '[IMAGE... | --recipe RECIPE] [options]',
    summary: 'fetch images into the cache with apptainer pull',
    description:
      'Fetches docker:// (or oras://, library://, https://) images into a cache directory with `apptainer pull`, once, on a node that can reach the registry (usually the login node). Slurm jobs then run the cached .sif instead of pulling on a compute node. IMAGE: a reference, e.g. docker://ollama/ollama:latest.',
    after: 'Apptainer definitions to build images yourself are in containers/*.def.',
  },
];
const TEXT = { usage: 'pull [options]', description: 'Pulls container images into the cache Slurm jobs use.' };

/** Images a recipe needs: container_image, or the built-in one of an apptainer service. */
export function recipeImages(file: string, env: NodeJS.ProcessEnv): string[] {
  const plan = loadRecipeFile(file, { registry: builtinRegistry, env });
  const images = new Set<string>();
  for (const s of plan.services) {
    const f = s.fields;
    const launcher = f.launcher as { runtime?: string } | string | undefined;
    const apptainer = typeof launcher === 'object' && launcher.runtime === 'apptainer';
    if (typeof f.container_image === 'string') images.add(f.container_image);
    else if (apptainer) {
      const img = serverOf(s, builtinRegistry.resolve(s.type, s.backend)).image;
      if (img) images.add(img);
    }
  }
  return [...images].filter((i) => /^[a-z]+:\/\//.test(i));
}

function run(argv: string[], io: CommandIO): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: io.env });
    child.on('error', (err) =>
      reject(new RunError(`cannot run ${argv[0]}: ${err.message} (is Apptainer installed? on many clusters: module load Apptainer)`)),
    );
    child.on('close', (code) => resolvePromise(code ?? 1));
  });
}

export const containersCommand: Command = {
  name: 'containers',
  summary: 'pull container images into the cache Slurm jobs use (apptainer pull)',
  usage: subcommandsHelp('containers', SUBS, TEXT),
  helpFor: (args) => helpFor('containers', SUBS, TEXT, args),
  flags: Object.keys(PULL_FLAGS).map((f) => `--${f}`),
  subcommands: ['pull'],
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'pull') throw new UsageError(`containers: unknown subcommand "${sub ?? ''}"; expected pull`);
    const { values, positionals } = parseCommandArgs(rest, PULL_FLAGS, 'containers pull');
    const images = [...positionals, ...(values.recipe ? recipeImages(resolve(io.cwd, values.recipe), io.env) : [])];
    if (images.length === 0) throw new UsageError('containers pull: give image references or --recipe');
    const dir = resolve(io.cwd, values.dir ?? imageCacheDir(io.env));
    const pulls = images.map((i) => pullArgv(i, dir, values.force ?? false));
    if (values['dry-run']) {
      for (const p of pulls) io.stdout.write(`${shellJoin(p.argv)}\n`);
      return EXIT.ok;
    }
    mkdirSync(dir, { recursive: true });
    let failed = 0;
    for (const p of pulls) {
      if (!values.force && existsSync(p.sif)) {
        io.stdout.write(`${p.sif} is already there (--force pulls again)\n`);
        continue;
      }
      io.stdout.write(`$ ${shellJoin(p.argv)}\n`);
      if ((await run(p.argv, io)) !== 0) failed++;
    }
    return failed > 0 ? EXIT.runtime : EXIT.ok;
  },
};
