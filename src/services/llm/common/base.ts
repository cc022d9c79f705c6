import type { Adapter, OperationResult, SetupContext } from '../../contract.js';
import type { ServiceSpec } from '../../../recipe/types.js';
import type { Rng } from '../../../util/rng.js';
import { LlmEndpoint } from './client.js';
import { PromptPool } from './prompts.js';

/**
 * What the streaming LLM adapters share: the endpoint and its pool, the readiness check
 * in setup, and the prompts built there (never in the timed window).
 */
export abstract class LlmAdapterBase<Op> implements Adapter<Op> {
  protected readonly endpoint: LlmEndpoint;
  protected prompts!: PromptPool;
  protected readonly stream: boolean;

  constructor(
    protected readonly spec: ServiceSpec,
    defaultPort: number,
    private readonly readiness: { path: string; what: string },
  ) {
    this.endpoint = new LlmEndpoint(spec, defaultPort);
    this.stream = spec.fields.stream !== false;
  }

  async setup(ctx: SetupContext): Promise<void> {
    await this.endpoint.checkReady(this.readiness.path, ctx.signal, this.readiness.what);
    this.prompts = new PromptPool(this.spec.fields.prompts as never, (this.spec.fields.max_tokens as number | undefined) ?? 128, ctx.rng);
  }

  abstract prepare(operation: string, rng: Rng): Op;
  abstract execute(op: Op, signal: AbortSignal): Promise<OperationResult>;

  async teardown(): Promise<void> {
    await this.endpoint.close();
  }
}
