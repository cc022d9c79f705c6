import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join, resolve, basename } from 'node:path';

/** The installed package's root (holds examples/). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const defaultRecipe = join(packageRoot, 'examples', 'quickstart.yaml');

/**
 * Where a run writes. Recipe paths are relative to the working directory, as in the
 * seed; `--out DIR` puts the report and a relative metrics DB into DIR.
 */
export function outputPaths(cwd: string, global: { metricsDb: string; reportsDir: string }, out?: string) {
  if (!out) return { metricsDb: resolve(cwd, global.metricsDb), reportsDir: resolve(cwd, global.reportsDir) };
  const dir = resolve(cwd, out);
  return {
    metricsDb: isAbsolute(global.metricsDb) ? global.metricsDb : join(dir, basename(global.metricsDb)),
    reportsDir: dir,
  };
}
