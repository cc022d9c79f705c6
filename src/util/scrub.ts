/**
 * The one scrubber for text that comes from outside aifb (server bodies, driver and SDK
 * messages, URLs) and for aifb's own messages that quote recipe values. It removes every
 * value the recipe took from the environment or wrote under a secret-named key, and any
 * Authorization / API-key header echoed back, before the text reaches a log line, the
 * metrics database, a report or a script.
 *
 * The registry is per thread: a worker thread that loads its recipe again has its own, and
 * a service thread is handed the run's (scrubState → adoptScrubState).
 */

export const SCRUBBED = '***';

/** Values shorter than this are not searched for in free text: they would match by chance. */
const MIN_SECRET = 4;

/** Secret values, longest first so a secret containing another is removed whole. */
let secrets: string[] = [];
/** Values that came from `${NAME}`: value → NAME (for scripts, which reference the name instead). */
const fromEnv = new Map<string, string>();

function addSecret(value: string): void {
  if (value.length < MIN_SECRET || secrets.includes(value)) return;
  // A secret in a URL reaches messages percent-encoded as often as not.
  const encoded = [encodeURIComponent(value), encodeURI(value)].filter((e) => e !== value && !secrets.includes(e));
  secrets = [...secrets, value, ...new Set(encoded)].sort((a, b) => b.length - a.length);
  seen.clear();
}

// Failures repeat the same few texts thousands of times a second: each is scrubbed once.
const SEEN_MAX = 512;
const seen = new Map<string, string>();

/** scrub() of a sample's message, remembered for the texts seen most recently. */
export function scrubMessage(text: string): string {
  const hit = seen.get(text);
  if (hit !== undefined) return hit;
  const clean = scrub(text);
  if (seen.size >= SEEN_MAX) seen.clear();
  seen.set(text, clean);
  return clean;
}

/** Records a value the recipe resolved from the environment variable `name`. */
export function registerEnvValue(name: string, value: string): void {
  if (value === '') return;
  if (!fromEnv.has(value)) fromEnv.set(value, name);
  // Numbers and booleans (ports, counts, flags) are not secrets, and scrubbing them from
  // messages would hide what the messages are about.
  if (!/^(?:[-+]?\d+(?:\.\d+)?|true|false)$/i.test(value)) addSecret(value);
}

/** Records a secret written in the recipe itself (a value under a secret-named key). */
export function registerSecret(value: string): void {
  addSecret(value);
}

/** The values taken from the environment, with the name each came from. */
export function envValues(): ReadonlyMap<string, string> {
  return fromEnv;
}

// `Authorization: Bearer abc`, `"x-api-key":"abc"`, `api_key=abc`, `Bearer abc` …: the value goes.
// A `${NAME}` reference is kept: it names where the secret comes from (a generated job's
// `--set 'headers.Authorization=${AIFB_OVERRIDE_1}'`), it is not the secret.
const HEADER_ECHO = /((?:proxy-)?authorization|x-api-key|api[-_]?key|apikey|x-auth-token|access[-_]?token|token|password|secret)(["']?\s*[:=]\s*["']?)(?!\$\{[A-Za-z_][A-Za-z0-9_]*\}(?:[\s"',;&]|$))(?:(bearer|basic|token)\s+)?[^\s"',;&}]+/gi;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi;
// user:password@ in URLs.
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi;

/** Removes every registered secret, header echoes and URL credentials from text. */
export function scrub(text: string, extra: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of extra) if (s && s.length >= 3) out = out.split(s).join(SCRUBBED);
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(SCRUBBED);
  return out
    .replace(HEADER_ECHO, (_m, key: string, sep: string, scheme: string | undefined) => `${key}${sep}${scheme ? `${scheme} ` : ''}${SCRUBBED}`)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${SCRUBBED}`)
    .replace(URL_CREDENTIALS, `$1:${SCRUBBED}@`);
}

/** Scrubs an error's message in place (and its cause's), and returns it. */
export function scrubError<T>(err: T, extra: readonly (string | undefined)[] = []): T {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    const clean = scrub(e.message, extra);
    // Some errors (DOMException's AbortError) have a read-only message: those are ours, not a server's.
    if (clean !== e.message) {
      try {
        e.message = clean;
      } catch {
        // left as it is
      }
    }
    e = (e as { cause?: unknown }).cause;
  }
  return err;
}

/** What a thread needs to scrub as this one does: the secrets and the env names of values. */
export interface ScrubState {
  secrets: string[];
  fromEnv: [string, string][];
}

/** This thread's registered values, to hand to a thread it starts. */
export function scrubState(): ScrubState {
  return { secrets: [...secrets], fromEnv: [...fromEnv] };
}

/** Takes over another thread's registered values (a service thread, from its host). */
export function adoptScrubState(state: ScrubState): void {
  for (const [value, name] of state.fromEnv) if (!fromEnv.has(value)) fromEnv.set(value, name);
  secrets = [...new Set([...secrets, ...state.secrets])].sort((a, b) => b.length - a.length);
  seen.clear();
}
