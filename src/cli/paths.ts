import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join, resolve, basename } from 'node:path';

/** The installed package's root (holds examples/). */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const defaultRecipe = join(packageRoot, 'examples', 'quickstart.yaml');

/**
 * Where a run writes. Recipe paths are relative to the working directory, as in the
 * seed; `--out DIR` puts the report and a relative metrics DB into DIR.
 */
export function outputPaths(cwd: string, global: { metricsDb: string; reportsDir: string; logsDir?: string }, out?: string) {
  const logs = global.logsDir ?? 'logs';
  if (!out) return { metricsDb: resolve(cwd, global.metricsDb), reportsDir: resolve(cwd, global.reportsDir), logsDir: resolve(cwd, logs) };
  const dir = resolve(cwd, out);
  return {
    metricsDb: isAbsolute(global.metricsDb) ? global.metricsDb : join(dir, basename(global.metricsDb)),
    reportsDir: dir,
    logsDir: isAbsolute(logs) ? logs : join(dir, basename(logs)),
  };
}

/**
 * A sink that appends each log line to `<logs_dir>/<benchmark id>.log`, the file the
 * seed's users grep (its report: `grep -i error logs/benchmark_*.log`). If the file
 * cannot be written, one warning goes to `warn` and the run goes on.
 */
export function runLogSink(file: string, warn: (line: string) => void): (line: string) => void {
  let ok = true;
  return (line) => {
    if (!ok) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, line + '\n');
    } catch (err) {
      ok = false;
      warn(`cannot write the run log ${file} (${(err as Error).message}); logging to the terminal only`);
    }
  };
}
