import { UsageError } from '../errors.js';
import { envValues } from '../util/scrub.js';

// Characters that never need quoting in POSIX sh; anything else is wrapped.
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one value for POSIX sh (and bash) so it is always exactly one literal word:
 * no expansion, no globbing, no word splitting, newlines included. sbatch reads
 * `#SBATCH` values with the same single-quote rules.
 */
export function literalQuote(value: string | number | boolean): string {
  const s = String(value);
  if (s.includes('\0')) throw new UsageError('a value for a shell script contains a NUL byte');
  if (s !== '' && SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Only values this long are looked for inside a word; a shorter one only as the whole word.
const MIN_INSIDE = 4;

/** A word cut into literal text and the values the recipe took from the environment. */
function envParts(s: string, refs: ReadonlyMap<string, string>): { text: string; name?: string }[] {
  let parts: { text: string; name?: string }[] = [{ text: s }];
  const whole = refs.get(s);
  if (whole !== undefined) return [{ text: s, name: whole }];
  for (const [value, name] of [...refs].filter(([v]) => v.length >= MIN_INSIDE).sort((a, b) => b[0].length - a[0].length)) {
    if (!s.includes(value)) continue;
    parts = parts.flatMap((p) => (p.name !== undefined || !p.text.includes(value) ? [p] : p.text.split(value).flatMap((t, i) => (i === 0 ? [{ text: t }] : [{ text: value, name }, { text: t }]))));
  }
  return parts.filter((p) => p.name !== undefined || p.text !== '');
}

/**
 * Quotes one value for a shell line of a generated script. A value the recipe took from
 * the environment is written as a reference to its variable (`"\${NAME}"`), never resolved,
 * whatever the variable is called: the job gets it from the environment sbatch passes
 * on, and `set -u` stops the job when it is missing. Everything else is a quoted literal.
 */
export function shellQuote(value: string | number | boolean): string {
  const s = String(value);
  const refs = envValues();
  if (refs.size === 0) return literalQuote(s);
  const parts = envParts(s, refs);
  if (!parts.some((p) => p.name !== undefined)) return literalQuote(s);
  return parts.map((p) => (p.name !== undefined ? `"\${${envName(p.name)}}"` : literalQuote(p.text))).join('');
}

/** The variables shellQuote(value) refers to (none when nothing came from the environment). */
export function envNamesIn(value: string): string[] {
  const refs = envValues();
  return refs.size === 0 ? [] : envParts(value, refs).flatMap((p) => (p.name !== undefined ? [p.name] : []));
}

/** True when the value holds something the recipe took from the environment. */
export function hasEnvValue(value: string): boolean {
  return envNamesIn(value).length > 0;
}

/** Quotes every word and joins them with spaces: a command line sh runs as given. */
export function shellJoin(words: readonly (string | number)[]): string {
  return words.map((w) => shellQuote(w)).join(' ');
}

/**
 * Like shellJoin, but `${NAME}` inside a word stays a double-quoted expansion for the
 * names given (values a job learns only when it runs, e.g. a port it picked); every
 * other character is still a quoted literal.
 */
export function shellJoinWith(words: readonly (string | number)[], vars: readonly string[]): string {
  const allowed = new Set(vars.map(envName));
  return words
    .map((w) => {
      const parts = String(w).split(/(\$\{[A-Za-z_][A-Za-z0-9_]*\})/);
      const out = parts.map((p) => {
        const name = /^\$\{(.+)\}$/.exec(p)?.[1];
        if (name !== undefined && allowed.has(name)) return `"\${${name}}"`;
        return p === '' ? '' : shellQuote(p);
      });
      return out.join('') || "''";
    })
    .join(' ');
}

/**
 * A `#SBATCH` line is a comment to the shell: a newline in a value would end the
 * comment and turn the rest into a command, so such values are refused outright.
 */
export function directiveValue(name: string, value: string | number): string {
  const s = String(value);
  if (/[\r\n\0]/.test(s)) throw new UsageError(`slurm ${name}: a line break is not allowed in a Slurm option value`);
  // sbatch reads directives before any shell runs: no variable could be expanded here.
  return literalQuote(s);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variable names go unquoted into `export`: only real names are accepted. */
export function envName(name: string): string {
  if (!ENV_NAME.test(name)) throw new UsageError(`"${name}" is not a valid environment variable name`);
  return name;
}

/** A file name made from a service name: readable, and safe anywhere in a path. */
export function safeFileName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[.]+/, '_');
  return s.slice(0, 80) || 'service';
}
