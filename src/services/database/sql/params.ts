/**
 * Parameters of user-defined queries. Each `$n` of the SQL takes one entry of `params`:
 *   key               a key of a loaded row, drawn from key_distribution
 *   new_key           a key no row has yet (for inserts)
 *   payload           a text of row_size characters
 *   random_int:LO:HI  an integer drawn uniformly from LO..HI (inclusive)
 *   text:VALUE        the literal text VALUE
 *   a number, boolean or null: passed as written
 */
export type ParamSpec =
  | { kind: 'key' }
  | { kind: 'new_key' }
  | { kind: 'payload' }
  | { kind: 'random_int'; lo: number; hi: number }
  | { kind: 'literal'; value: string | number | boolean | null };

export const PARAM_HELP = 'key, new_key, payload, random_int:LO:HI, text:VALUE, or a number';

const RANDOM_INT = /^random_int:(-?\d+):(-?\d+)$/;

/** The generator a recipe entry names, or a message saying why it names none. */
export function parseParam(entry: unknown): ParamSpec | string {
  if (entry === null || typeof entry === 'number' || typeof entry === 'boolean') return { kind: 'literal', value: entry };
  if (typeof entry !== 'string') return `expected one of ${PARAM_HELP}`;
  if (entry === 'key' || entry === 'new_key' || entry === 'payload') return { kind: entry };
  if (entry.startsWith('text:')) return { kind: 'literal', value: entry.slice('text:'.length) };
  const m = RANDOM_INT.exec(entry);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) return `"${entry}": bounds must be safe integers`;
    return lo <= hi ? { kind: 'random_int', lo, hi } : `"${entry}": LO must not exceed HI`;
  }
  return `"${entry}" is not a parameter generator; use ${PARAM_HELP}`;
}

/** The highest `$n` placeholder in a statement (0 when it has none). */
export function placeholderCount(sql: string): number {
  let max = 0;
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** Each user query's params parsed, by query name; throws on one the recipe check would have refused. */
export function queryParamsOf(queries: Readonly<Record<string, { params?: readonly unknown[] }>>): Map<string, ParamSpec[]> {
  return new Map(
    Object.entries(queries).map(([name, q]) => [
      name,
      (q.params ?? []).map((p) => {
        const parsed = parseParam(p);
        if (typeof parsed === 'string') throw new Error(`query ${name}: ${parsed}`);
        return parsed;
      }),
    ]),
  );
}
