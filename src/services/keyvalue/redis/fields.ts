import { z } from 'zod';
import { payloadSizeField } from '../../../recipe/fields.js';
import { BOUNDS, boundedInt } from '../../../recipe/bounds.js';
import { parseSizeBytes } from '../../../util/units.js';
import type { FieldsOf } from '../../fields.js';

/**
 * The keys Redis adds to a service; each has its default here, so the adapter gets them
 * parsed and filled in (services/fields.ts) instead of reading the recipe again.
 */
export const redisFields = {
  /** Size of the key space the operations pick from (uniformly). */
  keys: boundedInt(1, BOUNDS.initialItems).default(10_000),
  /** Keys written in setup, before the timed window (the first `initial_keys` of the space). */
  initial_keys: boundedInt(0, BOUNDS.initialItems).default(1_000),
  /** Bytes of each value `set` writes. */
  value_size: payloadSizeField.transform((v) => parseSizeBytes(v)!).default(1024),
  /** Redis logical database (SELECT n). */
  db: z.int().min(0).max(15).default(0),
} satisfies z.ZodRawShape;

export type RedisFields = FieldsOf<typeof redisFields>;
