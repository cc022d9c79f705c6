/**
 * Backends for tests of service threads, as a module a thread can import (threads cannot
 * be handed the test's registry object): `syncsvc` answers in a microtask, like an
 * embedded engine's cached answer; `sleepsvc` answers after `sleep_ms` on a timer, like a
 * remote server.
 */
import { z } from 'zod';
import type { BackendDefinition } from '../../src/services/contract.js';
import { BackendRegistry } from '../../src/services/registry.js';

const backend = (type: string, execute: (ms: number) => Promise<{ ok: true; bytesIn: number }>): BackendDefinition => ({
  serviceTypes: [type],
  isDefault: true,
  description: type,
  fields: { sleep_ms: z.number().optional() },
  operations: ['op'],
  defaultMix: { op: 1 },
  load: async () => ({
    createAdapter: (spec) => {
      const ms = typeof spec.fields.sleep_ms === 'number' ? spec.fields.sleep_ms : 1;
      return { async setup() {}, prepare: () => undefined, execute: () => execute(ms), async teardown() {} };
    },
  }),
});

export const registry = new BackendRegistry([
  backend('syncsvc', () => Promise.resolve({ ok: true, bytesIn: 1 })),
  backend('sleepsvc', (ms) => new Promise((r) => setTimeout(() => r({ ok: true, bytesIn: 1 }), ms))),
]);
