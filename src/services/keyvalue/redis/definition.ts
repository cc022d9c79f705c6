import { z } from 'zod';
import { payloadSizeField } from '../../../recipe/fields.js';
import { BOUNDS, boundedInt } from '../../../recipe/bounds.js';
import type { BackendDefinition } from '../../contract.js';
import { redisServer } from './server.js';

/**
 * The keys Redis adds to a service; each has its default here, so the adapter gets them
 * parsed and filled in (redisOptions) instead of reading the recipe again.
 */
export const redisFields = {
  /** Size of the key space the operations pick from (uniformly). */
  keys: boundedInt(1, BOUNDS.initialItems).default(10_000),
  /** Keys written in setup, before the timed window (the first `initial_keys` of the space). */
  initial_keys: boundedInt(0, BOUNDS.initialItems).default(1_000),
  /** Bytes of each value `set` writes. */
  value_size: payloadSizeField.default(1024),
  /** Redis logical database (SELECT n). */
  db: z.int().min(0).max(15).default(0),
} satisfies z.ZodRawShape;

export type RedisFields = z.output<z.ZodObject<typeof redisFields>>;

/**
 * Redis as a key-value store (node-redis): get/set/delete on keys under a prefix the run
 * owns (`aifb:<benchmark id>:<service>:`), which setup fills and teardown removes.
 */
export const redisDefinition: BackendDefinition = {
  serviceTypes: ['keyvalue'],
  backend: 'redis',
  isDefault: true,
  description: 'Redis key-value store (get/set/delete of fixed-size values on keys the run owns)',
  fields: redisFields,
  operations: ['get', 'set', 'delete'],
  // About memtier_benchmark's default ratio of 1 set to 10 gets, in weights that sum to 1.
  defaultMix: { get: 0.9, set: 0.1 },
  load: () => import('./adapter.js'),
  server: redisServer,
};
