import { z } from 'zod';
import type { commonServiceShape } from '../recipe/schema.js';

type Common = z.output<z.ZodObject<typeof commonServiceShape>>;

/**
 * A service's fields as its backend declared them: the common keys as the recipe loader
 * parsed them, and the backend's own keys (`shape`) zod-parsed with their defaults filled in.
 */
export type FieldsOf<S extends z.ZodRawShape> = Omit<Common, keyof S> & z.output<z.ZodObject<S>> & Readonly<Record<string, unknown>>;

const parsers = new WeakMap<z.ZodRawShape, z.ZodType>();

/**
 * Parses a backend's own keys out of a validated service (the recipe loader keeps only its
 * common keys parsed), so an adapter reads typed, defaulted values instead of re-checking
 * `unknown`s. The recipe was validated against the same shape: a failure here is a bug.
 */
export function fieldsOf<S extends z.ZodRawShape>(shape: S, fields: Readonly<Record<string, unknown>>): FieldsOf<S> {
  let parser = parsers.get(shape);
  if (!parser) parsers.set(shape, (parser = z.object(shape)));
  return { ...fields, ...(parser.parse(fields) as object) } as FieldsOf<S>;
}
