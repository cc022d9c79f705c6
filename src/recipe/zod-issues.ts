import { z } from 'zod';
import { MSG } from '../messages.js';
import { nearest } from '../util/suggest.js';
import type { PathSegment } from './env.js';
import { SECRET_KEY } from './secrets.js';

export interface PlainIssue {
  path: PathSegment[];
  message: string;
  /** The path names a key that should not be there. */
  isKey: boolean;
}

/** Unwraps optional/default/pipe wrappers to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else break;
  }
  return s;
}

/** The keys an object at `path` may have, found by walking the schema. */
export function keysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  const candidates = objectsAt(schema, path);
  return [...new Set(candidates.flatMap((o) => Object.keys(o.shape)))];
}

function objectsAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodObject[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap((o) => objectsAt(o, path));
  if (path.length === 0) return s instanceof z.ZodObject ? [s] : [];
  const [head, ...rest] = path;
  if (s instanceof z.ZodArray && typeof head === 'number') return objectsAt(s.element as z.ZodType, rest);
  if (s instanceof z.ZodObject && typeof head === 'string') {
    const child = (s.shape as Record<string, z.ZodType>)[head];
    return child ? objectsAt(child, rest) : [];
  }
  if (s instanceof z.ZodRecord) return objectsAt(s.valueType as z.ZodType, rest);
  return [];
}

/** Turns zod's issues into one plain message each, with hints for near-miss keys and values. */
export function describeIssues(error: z.ZodError, schema: z.ZodType): PlainIssue[] {
  const out: PlainIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(schema, path);
        for (const key of issue.keys) {
          out.push({ path: [...path, key], message: MSG.unknownKey(key, nearest(key, allowed)), isKey: true });
        }
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map(String);
        const secret = path.some((p) => typeof p === 'string' && SECRET_KEY.test(p));
        const input = 'input' in issue && !secret ? String(issue.input) : '';
        out.push({ path, message: MSG.unknownValue(input, values, nearest(input, values)), isKey: false });
        break;
      }
      case 'invalid_type': {
        const secret = path.some((p) => typeof p === 'string' && SECRET_KEY.test(p));
        const got = 'input' in issue ? describeType(issue.input, secret) : undefined;
        const message =
          got === 'missing' ? `required; expected ${issue.expected}` : `expected ${issue.expected}${got ? `, got ${got}` : ''}`;
        out.push({ path, message, isKey: false });
        break;
      }
      case 'too_small':
      case 'too_big': {
        // A message given in the schema wins over the generic one.
        if (!/^Too (small|big)/.test(issue.message)) {
          out.push({ path, message: issue.message, isKey: false });
          break;
        }
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
        const what = issue.origin === 'array' ? 'number of items' : issue.origin;
        out.push({ path, message: `expected ${what} ${op} ${String(bound)}`, isKey: false });
        break;
      }
      default:
        out.push({ path, message: issue.message, isKey: false });
    }
  }
  return out;
}

function describeType(input: unknown, secret: boolean): string {
  if (input === undefined) return 'missing';
  if (secret) return typeof input;
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `text "${input.length > 40 ? input.slice(0, 37) + '...' : input}"`;
  return `${typeof input} ${String(input)}`;
}
