import { isMap, isPair, isScalar, visit, type Document } from 'yaml';
import { registerSecret } from '../util/scrub.js';

/** Keys whose values are secrets wherever they appear in a recipe. */
// Whole key names (or their last part after _ or -), so `max_tokens` is not taken for a token.
export const SECRET_KEY = /^(?:.*[_-])?(?:password|passwd|pwd|secret|secret[_-]?key|token|api[_-]?key|apikey|access[_-]?key|authorization|credentials?)$/i;

export const REDACTED = '***redacted***';

/**
 * Returns the recipe text with every plain-text secret value replaced. Values that are
 * `${ENV}` references stay as written: they name a variable, not its value.
 */
export function redactRecipe(doc: Document): { text: string; plaintextPaths: string[] } {
  const clone = doc.clone();
  const plaintextPaths: string[] = [];
  visit(clone, {
    Pair(_key, pair, path) {
      if (!isScalar(pair.key) || !SECRET_KEY.test(String(pair.key.value))) return;
      if (isScalar(pair.value)) {
        const v = pair.value.value;
        if (v === null || v === '' || (typeof v === 'string' && isReference(v))) return;
        pair.value.value = REDACTED;
        plaintextPaths.push(describePath(path, String(pair.key.value)));
      } else if (isMap(pair.value)) {
        // e.g. headers: {Authorization: ...} are handled by their own pairs.
      }
    },
  });
  return { text: clone.toString(), plaintextPaths };
}

/**
 * A value whose secret part is a `${VAR}` reference: the reference alone, or one after an
 * auth scheme (`Bearer ${TOKEN}`), names a variable and holds no secret itself.
 */
function isReference(v: string): boolean {
  return /^(?:(?:bearer|basic|token)\s+)?\$\{[^}]+\}$/i.test(v.trim());
}

function describePath(ancestors: readonly unknown[], key: string): string {
  const parts: string[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const node = ancestors[i];
    if (isPair(node) && isScalar(node.key)) parts.push(String(node.key.value));
    const next = ancestors[i + 1];
    if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items) && next && !isPair(next)) {
      const idx = node.items.indexOf(next);
      if (idx >= 0 && !isMap(node)) parts.push(`[${idx}]`);
    }
  }
  parts.push(key);
  return parts.join('.').replace(/\.\[/g, '[');
}

/** Replaces secret values inside any plain object (for logs and reports built from fields). */
export function redactObject<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redactObject(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v != null ? REDACTED : redactObject(v);
    return out as T;
  }
  return value;
}

/** Hands every value under a secret-named key (headers included) to the scrubber. */
export function registerSecretsIn(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(registerSecretsIn);
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number')) {
      const text = String(v);
      registerSecret(text);
      const scheme = /^(?:bearer|basic|token)\s+(.+)$/i.exec(text);
      if (scheme) registerSecret(scheme[1]!);
    } else registerSecretsIn(v);
  }
}
