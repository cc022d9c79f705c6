import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import type { Adapter, OperationResult } from '../../src/services/contract.js';
import { createLogger } from '../../src/util/log.js';
import { createRng } from '../../src/util/rng.js';
import { classifyThrown } from '../../src/engine/classify.js';
import { serviceOf } from '../../src/services/fields.js';

/** Builds a backend's adapter from recipe YAML for one service, the way `aifb run` does. */
export async function adapterFor(serviceYaml: string): Promise<{ adapter: Adapter; spec: ReturnType<typeof loadRecipeText>['services'][number] }> {
  const plan = loadRecipeText(`services:\n  - service_name: svc\n    ${serviceYaml.trim().split('\n').join('\n    ')}\n`, 'test.yaml', { registry: builtinRegistry, env: process.env });
  const spec = plan.services[0]!;
  const def = builtinRegistry.resolve(spec.type, spec.backend)!;
  const adapter = (await def.load()).createAdapter(serviceOf(def.fields, spec));
  return { adapter, spec };
}

export const setupCtx = () => ({ benchmarkId: 'test', rng: createRng(1), log: createLogger('error', () => {}), signal: new AbortController().signal });

/** Runs one operation as the engine would (thrown errors classified), n times concurrently. */
export async function runOps(adapter: Adapter, operation: string, n: number, seed = 1): Promise<OperationResult[]> {
  const rng = createRng(seed);
  return Promise.all(
    Array.from({ length: n }, async () => {
      const op = adapter.prepare(operation, rng);
      try {
        return await adapter.execute(op, new AbortController().signal);
      } catch (err) {
        return classifyThrown(err, false, false);
      }
    }),
  );
}
