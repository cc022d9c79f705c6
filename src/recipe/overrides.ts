import { isMap, isSeq, parse, type Document } from 'yaml';
import { RecipeError, UsageError } from '../errors.js';
import { nearest } from '../util/suggest.js';
import type { PathSegment } from './env.js';
import { formatPath } from './positions.js';

/**
 * A change to the recipe from the command line, applied to the YAML document before
 * validation, so it is checked like the file and stored in the run's recipe text.
 */
export interface Override {
  /** As written on the command line, for messages and the provenance: `--rate web=50`. */
  flag: string;
  /** Dotted path; the segment after `services` is a service name, an index or `*`. */
  path: string[];
  value: unknown;
  /** For the shorthands without a service name: the services they fit (open or closed loop). */
  only?: 'open' | 'closed';
}

/** A value parsed as YAML (`50` a number, `10s` text, `[10, 20]` a list); refused if it is not YAML. */
function yamlValue(text: string, flag: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: the value "${text}" is not YAML (${(err as Error).message.split('\n')[0]})`);
  }
}

/** `--set services.web.load.rate=50`. */
export function parseSet(text: string): Override {
  const flag = `--set ${text}`;
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag}: expected PATH=VALUE, e.g. --set services.web.load.rate=50`);
  const path = text.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new UsageError(`${flag}: the path "${text.slice(0, eq)}" has an empty part`);
  if (!['services', 'global', 'benchmark'].includes(path[0]!)) {
    throw new UsageError(`${flag}: a path starts with services, global or benchmark, not "${path[0]}"`);
  }
  if (path[0] === 'services' && path.length < 3) throw new UsageError(`${flag}: name a service and a key: services.NAME.KEY=VALUE`);
  return { flag, path, value: yamlValue(text.slice(eq + 1), flag) };
}

const SHORTHANDS = {
  rate: { path: ['load', 'rate'], seed: 'requests_per_second', only: 'open' },
  clients: { path: ['load', 'clients'], seed: 'client_count', only: 'closed' },
  duration: { path: ['duration'], seed: undefined, only: undefined },
} as const;
export type Shorthand = keyof typeof SHORTHANDS;

/** `--rate 50` (every open-loop service), `--rate web=50` (one service); likewise --clients and --duration. */
export function parseShorthand(name: Shorthand, text: string): Override {
  const flag = `--${name} ${text}`;
  const m = /^([^=]+)=(.*)$/.exec(text);
  const service = m ? m[1]! : '*';
  const value = yamlValue(m ? m[2]! : text, flag);
  const s = SHORTHANDS[name];
  return { flag, path: ['services', service, ...s.path], value, ...(m || !s.only ? {} : { only: s.only }) };
}

/** The command-line words that give these overrides again (`--rate`, `web=50`, …), in their order. */
export function overrideArgv(overrides: readonly Override[]): string[] {
  return overrides.flatMap((o) => {
    const space = o.flag.indexOf(' ');
    return [o.flag.slice(0, space), o.flag.slice(space + 1)];
  });
}

interface Applied {
  /** The document paths each override set, with service indices, for messages. */
  paths: { path: PathSegment[]; flag: string }[];
}

/** Applies the overrides to the document; a path that names nothing in it is a RecipeError. */
export function applyOverrides(doc: Document, overrides: readonly Override[]): Applied {
  const applied: Applied = { paths: [] };
  const problems: string[] = [];
  const services = doc.get('services', true);
  const list = isSeq(services) ? services.items.map((item) => (isMap(item) ? item.toJSON() : {})) : [];
  const names = list.map((s: Record<string, unknown>) => String(s.service_name ?? ''));
  for (const o of overrides) {
    let targets: PathSegment[][];
    if (o.path[0] !== 'services') targets = [o.path];
    else {
      const which = o.path[1]!;
      const rest = o.path.slice(2);
      const index = which === '*' ? -1 : names.indexOf(which) >= 0 ? names.indexOf(which) : /^\d+$/.test(which) ? Number(which) : -2;
      if (index === -2 || index >= list.length) {
        const near = nearest(which, names);
        problems.push(`${o.flag}: the recipe has no service "${which}"${near ? ` (did you mean ${near}?)` : ''}; its services: ${names.join(', ') || 'none'}`);
        continue;
      }
      let indices = index === -1 ? list.map((_, i) => i) : [index];
      if (o.only) indices = indices.filter((i) => loopOf(list[i]!) === o.only);
      if (indices.length === 0) {
        problems.push(`${o.flag}: no ${o.only}-loop service in the recipe to apply it to; name one (${o.flag.split(' ')[0]} NAME=VALUE) or use --set`);
        continue;
      }
      targets = indices.map((i) => ['services', i, ...seedField(list[i]!, rest)]);
    }
    for (const path of targets) {
      try {
        doc.setIn(path, doc.createNode(o.value));
        applied.paths.push({ path, flag: o.flag });
      } catch (err) {
        problems.push(`${o.flag}: cannot set ${formatPath(path)}: a part of that path is a value in the recipe, not a mapping (${(err as Error).message.split('\n')[0]})`);
      }
    }
  }
  if (problems.length) throw new RecipeError(problems.map((message) => ({ path: '', message })));
  return applied;
}

/** A seed recipe's requests_per_second / client_count stays the one field that says the load. */
function seedField(service: Record<string, unknown>, rest: string[]): string[] {
  for (const s of Object.values(SHORTHANDS)) {
    if (s.seed && rest.join('.') === s.path.join('.') && service[s.seed] !== undefined && (service.load as { [k: string]: unknown } | undefined)?.[s.path[1]] === undefined) return [s.seed];
  }
  return rest;
}

/** Open or closed loop as the recipe says it (src/recipe/plan.ts decides it the same way). */
function loopOf(service: Record<string, unknown>): 'open' | 'closed' {
  const load = (service.load ?? {}) as Record<string, unknown>;
  if (load.mode === 'open' || load.mode === 'closed') return load.mode;
  const sweep = load.sweep as Record<string, unknown> | undefined;
  if (load.rate !== undefined || service.requests_per_second !== undefined || sweep?.rates || load.search) return 'open';
  return 'closed';
}

/** The header line the run's stored recipe text starts with, so the report can name the overrides. */
export const OVERRIDES_HEADER = '# aifb overrides: ';

/** The overrides named in a stored recipe text (none for a run without them). */
export function overridesInRecipeText(text: string | null | undefined): string[] {
  const first = text?.split('\n', 1)[0] ?? '';
  if (!first.startsWith(OVERRIDES_HEADER)) return [];
  try {
    const list = JSON.parse(first.slice(OVERRIDES_HEADER.length)) as unknown;
    return Array.isArray(list) ? list.map(String) : [];
  } catch {
    return [];
  }
}
