import { createHash } from 'node:crypto';

export interface NameRules {
  maxLength: number;
  /** Weaviate classes start with a capital letter and have no '-'. */
  style: 'lower' | 'class';
}

/** Chroma: 3–512 chars of [a-zA-Z0-9._-], alphanumeric at both ends; we keep it lower case. */
export const CHROMA_NAMES: NameRules = { maxLength: 512, style: 'lower' };
/** PostgreSQL truncates identifiers past 63 bytes; we never let it. */
export const POSTGRES_NAMES: NameRules = { maxLength: 63, style: 'lower' };
/** Weaviate: /^[A-Z][_0-9A-Za-z]*$/. */
export const WEAVIATE_NAMES: NameRules = { maxLength: 200, style: 'class' };

function words(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The collection, table or class a run owns: `<collection_name or aifb_<service>>_<benchmark id>`,
 * made legal for the engine. Names longer than allowed keep a hash of the full name, so
 * two services never share one; the benchmark id keeps runs apart.
 */
export function ownedName(serviceName: string, benchmarkId: string, prefix: string | undefined, rules: NameRules): string {
  let base = words(prefix ?? `aifb_${serviceName}`) || 'aifb';
  if (!/^[a-z]/.test(base)) base = `v_${base}`;
  let name = `${base}_${words(benchmarkId) || 'run'}`;
  if (name.length > rules.maxLength) {
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
    name = `${name.slice(0, rules.maxLength - hash.length - 1).replace(/_+$/, '')}_${hash}`;
  }
  if (rules.style === 'class') name = name[0]!.toUpperCase() + name.slice(1);
  return name;
}
