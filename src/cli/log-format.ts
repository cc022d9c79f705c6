import { UsageError } from '../errors.js';

/** `--log-format` (or, without it, AIFB_LOG): `json` for JSON lines (pino), `text` for the plain lines. */
export function logFormat(flag: string | undefined, env: NodeJS.ProcessEnv): 'text' | 'json' {
  const given = flag ?? (env.AIFB_LOG || undefined);
  const v = (given ?? 'text').toLowerCase();
  if (v !== 'text' && v !== 'json') throw new UsageError(`${flag !== undefined ? '--log-format' : 'AIFB_LOG'} expects text or json, got "${given}"`);
  return v;
}
