/** Which HTTP statuses count as success: exact codes, classes ("2xx") and ranges ("200-299"). */

export type StatusSpec = number | string | readonly (number | string)[] | undefined;

/** One accepted status: an int, "2xx" or "200-299". */
export const STATUS_PATTERN = /^\s*(?:[1-5]xx|[1-5]\d\d(?:\s*-\s*[1-5]\d\d)?)\s*$/i;

type Range = [number, number];

/** Without expect_status, 2xx and 3xx succeed: redirects are not followed, and a redirect is a valid answer. */
const DEFAULT_RANGES: Range[] = [[200, 399]];

/** The range one item covers, or undefined when it is not a status spec. */
export function rangeOf(item: number | string): Range | undefined {
  if (typeof item === 'number') return Number.isInteger(item) && item >= 100 && item <= 599 ? [item, item] : undefined;
  if (!STATUS_PATTERN.test(item)) return undefined;
  const text = item.trim().toLowerCase();
  if (text.endsWith('xx')) {
    const base = Number(text[0]) * 100;
    return [base, base + 99];
  }
  const [lo, hi] = text.split('-').map((p) => Number(p.trim()));
  return [lo!, hi ?? lo!];
}

/** A predicate for the statuses a recipe accepts; invalid items were rejected by the recipe check. */
export function statusMatcher(spec: StatusSpec): (status: number) => boolean {
  const items = spec === undefined ? [] : Array.isArray(spec) ? spec : [spec as number | string];
  const ranges = items.map(rangeOf).filter((r): r is Range => r !== undefined);
  const use = ranges.length > 0 ? ranges : DEFAULT_RANGES;
  return (status) => use.some(([lo, hi]) => status >= lo && status <= hi);
}
