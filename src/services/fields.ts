import { z } from 'zod';
import type { commonServiceShape } from '../recipe/schema.js';
import type { ServiceSpec } from '../recipe/types.js';

type Common = z.output<z.ZodObject<typeof commonServiceShape>>;

/** What launch/shard.ts adds to a generator's copy of a service: which one it is, of how many. */
type GeneratorKeys = { generator_index?: number; generator_count?: number };

/**
 * A service's fields as its backend declared them: the common keys as the recipe loader
 * parsed them, and the backend's own keys (`shape`) zod-parsed with their defaults filled in.
 */
export type FieldsOf<S extends z.ZodRawShape> = Omit<Common, keyof S> & GeneratorKeys & z.output<z.ZodObject<S>> & Readonly<Record<string, unknown>>;

/** The common keys alone: what helpers shared by several backends read (connection settings). */
export type CommonFields = Common & GeneratorKeys & Readonly<Record<string, unknown>>;

/** A service as its backend's `createAdapter` gets it: `fields` already parsed by the backend's shape. */
export type ServiceOf<S extends z.ZodRawShape = z.ZodRawShape> = Omit<ServiceSpec, 'fields'> & { readonly fields: FieldsOf<S> };

const parsers = new WeakMap<z.ZodRawShape, z.ZodType>();

/**
 * Parses a backend's own keys out of a validated service (the recipe loader keeps only its
 * common keys parsed), so an adapter reads typed, defaulted values instead of re-checking
 * `unknown`s. The recipe was validated against the same shape: a failure here is a bug.
 */
export function fieldsOf<S extends z.ZodRawShape>(shape: S, fields: Readonly<Record<string, unknown>>): FieldsOf<S> {
  return { ...fields, ...(parserOf(shape).parse(fields) as object) } as FieldsOf<S>;
}

/** `fieldsOf` for a service not yet known to be valid: undefined when its backend's keys do not parse (the loader reports why). */
export function tryFieldsOf<S extends z.ZodRawShape>(shape: S, fields: Readonly<Record<string, unknown>>): FieldsOf<S> | undefined {
  const parsed = parserOf(shape).safeParse(fields);
  return parsed.success ? ({ ...fields, ...(parsed.data as object) } as FieldsOf<S>) : undefined;
}

function parserOf(shape: z.ZodRawShape): z.ZodType {
  let parser = parsers.get(shape);
  if (!parser) parsers.set(shape, (parser = z.object(shape)));
  return parser;
}

/** The service with its fields parsed by its backend's shape: what `createAdapter` takes (the engine parses once, adapters never). */
export function serviceOf<S extends z.ZodRawShape>(shape: S, spec: ServiceSpec): ServiceOf<S> {
  return { ...spec, fields: fieldsOf(shape, spec.fields) };
}
