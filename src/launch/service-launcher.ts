import type { LaunchedService, ServiceLauncher } from '../engine/types.js';
import { generatorKindOf, generatorsOf } from './config.js';
import { runGeneratorsFor } from './generators.js';
import { launchService, withEndpoint } from './index.js';
import { shardService } from './shard.js';
import type { Endpoint } from './types.js';

/** What this launcher hands back: the endpoint too, so generator processes attach to the service instead of starting it again. */
interface LaunchedHere extends LaunchedService {
  endpoint: Endpoint;
}

/**
 * The launch layer as the engine drives it: recipe `launcher`s (local, Slurm, attach),
 * `generators: N` shares of the load, and process generators merged at the end. `aifb
 * run`, generator tasks and the library's run pass it to the orchestrator.
 */
export const serviceLauncher: ServiceLauncher = {
  async launch(spec, def, ctx) {
    const l = await launchService(spec, def, ctx);
    if (!l) return undefined;
    const here: LaunchedHere = { spec: withEndpoint(spec, l.endpoint), endpoint: l.endpoint, stop: () => l.stop() };
    return here;
  },
  generators: (spec) => ({ count: generatorsOf(spec.fields), kind: generatorKindOf(spec.fields) }),
  share: shardService,
  runGenerators: (spec, launched, o, log) => runGeneratorsFor(spec, o, log, (launched as LaunchedHere | undefined)?.endpoint),
};
