// Where the tests find the real servers and peer tools that scripts/setup.sh installs,
// and how a test that cannot have one says so: it is skipped with "not run: <reason>",
// which scripts/run-tests.mjs lists and counts apart, never as passed.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** The cache scripts/setup.sh installs into (AIFB_CACHE, default ~/.cache/aifb). */
export const cacheDir = process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb');

/** Path of an installed tool (`$AIFB_CACHE/bin/<name>`), or undefined when it is not there. */
export function liveTool(name: string): string | undefined {
  const p = join(cacheDir, 'bin', name);
  return existsSync(p) ? p : undefined;
}

/** Skips the test, counted as not run, with a reason a reader can act on. */
export function notRun(t: TestContext, reason: string): void {
  t.skip(`not run: ${reason}`);
}

/** The installed tool, or skips the test (not run) and returns undefined. */
export function needTool(t: TestContext, name: string, installedBy = `scripts/servers/`): string | undefined {
  const p = liveTool(name);
  if (!p) notRun(t, `${name} is not installed (${installedBy}; see its log in ${cacheDir})`);
  return p;
}
