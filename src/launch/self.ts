import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The argv that runs this same aifb again (in a Slurm job, or as a generator child):
 * the same Node and the same build, so a job never picks up another installed aifb.
 * `AIFB_COMMAND` (words separated by spaces) overrides it, e.g. for a module wrapper.
 */
export function aifbCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.AIFB_COMMAND?.trim();
  if (override) return override.split(/\s+/);
  if (import.meta.url.endsWith('.ts')) {
    // Running from source (tests, development): keep the TypeScript loader.
    return [process.execPath, '--import', import.meta.resolve('tsx/esm'), join(here, '..', 'cli', 'bin.ts')];
  }
  return [process.execPath, join(here, '..', 'cli', 'bin.js')];
}
