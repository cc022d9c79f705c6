import { isMap, isScalar, visit, type Document } from 'yaml';

/** A key written twice in one mapping, with the offset of its second occurrence. */
export interface DuplicateKey {
  key: string;
  offset: number;
}

/**
 * Keys repeated within one mapping, found in one pass with a set per mapping (yaml's own
 * check is quadratic: 40,000 keys took 7 s). Merge keys (`<<`) may repeat.
 */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const out: DuplicateKey[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        const text = isScalar(k) ? String(k.value) : k === null ? 'null' : undefined;
        if (text === undefined || text === '<<') continue;
        if (seen.has(text)) out.push({ key: text, offset: (isScalar(k) ? k.range?.[0] : undefined) ?? 0 });
        seen.add(text);
      }
    },
  });
  return out;
}

/** A parser's message, or a plain one when it ran out of stack on deep nesting. */
export function nestingOrMessage(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'the document is nested too deeply';
  return err instanceof Error ? err.message : String(err);
}
