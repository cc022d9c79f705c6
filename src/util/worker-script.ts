import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * What `new Worker()` needs to run the module `name` (a sibling of `base`, e.g.
 * `import.meta.url`): the compiled `.js` next to it, or, when aifb runs from source
 * (tests), the `.ts` through tsx, registered inside the worker because the parent's
 * loader hooks do not reach it.
 */
export function workerScript(base: string, name: string): { script: URL | string; eval?: true } {
  const js = new URL(`./${name}.js`, base);
  if (existsSync(fileURLToPath(js))) return { script: js };
  const ts = JSON.stringify(new URL(`./${name}.ts`, base).href);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return { script: `import(${api}).then((m) => { m.register(); return import(${ts}); })`, eval: true };
}
