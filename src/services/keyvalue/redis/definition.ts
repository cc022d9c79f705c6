import type { BackendDefinition } from '../../contract.js';
import { redisServer } from './server.js';
import { redisFields } from './fields.js';

/**
 * Redis as a key-value store (node-redis): get/set/delete on keys under a prefix the run
 * owns (`aifb:<benchmark id>:<service>:`), which setup fills and teardown removes.
 */
export const redisDefinition: BackendDefinition<typeof redisFields> = {
  serviceTypes: ['keyvalue'],
  backend: 'redis',
  isDefault: true,
  description: 'Redis key-value store (get/set/delete of fixed-size values on keys the run owns)',
  fields: redisFields,
  operations: ['get', 'set', 'delete'],
  // About memtier_benchmark's default ratio of 1 set to 10 gets, in weights that sum to 1.
  defaultMix: { get: 0.9, set: 0.1 },
  // Latency, bytes and errors only: the engine's own figures, nothing in `extra`.
  metrics: [],
  load: () => import('./adapter.js'),
  server: redisServer,
};
