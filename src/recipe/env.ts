import { parse as parseYamlScalar } from 'yaml';
import { MSG } from '../messages.js';

export type PathSegment = string | number;

export interface EnvProblem {
  path: PathSegment[];
  message: string;
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed recipe. A value
 * that is one reference and nothing else takes the type its text has in YAML, so
 * `port: ${PG_PORT}` becomes a number. Returns the paths that came from the environment,
 * so secrets given that way are known to be out of the file, and every value taken from
 * the environment (for the scrubber and for scripts, which name the variable instead).
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; problems: EnvProblem[]; fromEnv: Set<string>; resolved: { name: string; value: string }[] } {
  const problems: EnvProblem[] = [];
  const fromEnv = new Set<string>();
  const resolved: { name: string; value: string }[] = [];
  const lookup = (name: string, def: string | undefined): string | undefined => {
    const got = env[name];
    if (got !== undefined) resolved.push({ name, value: got });
    return got ?? def;
  };
  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return v;
      fromEnv.add(path.join('.'));
      const whole = WHOLE_REF.exec(v);
      if (whole) {
        const got = lookup(whole[1]!, whole[2]);
        if (got === undefined) {
          problems.push({ path, message: MSG.envMissing(whole[1]!) });
          return v;
        }
        const typed: unknown = safeScalar(got);
        return typed;
      }
      return v.replace(REF, (_m, name: string, def: string | undefined) => {
        const got = lookup(name, def);
        if (got === undefined) {
          problems.push({ path, message: MSG.envMissing(name) });
          return '';
        }
        return got;
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };
  return { value: walk(value, []), problems, fromEnv, resolved };
}

function safeScalar(text: string): unknown {
  try {
    const v: unknown = parseYamlScalar(text);
    return typeof v === 'number' || typeof v === 'boolean' ? v : text;
  } catch {
    return text;
  }
}
