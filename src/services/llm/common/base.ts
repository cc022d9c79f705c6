import type { Adapter, OperationResult, SetupContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { Rng } from '../../../util/rng.js';
import { LlmEndpoint } from './client.js';
import { PromptPool } from './prompts.js';
import type { llmFields } from './fields.js';
import { SessionScripts } from './conversations.js';
import { SessionPool, type Turn } from './sessions.js';
import { ESTIMATE, loadTokenCounter, type TokenCounter } from './tokenizer.js';

/**
 * What the streaming LLM adapters share: the endpoint and its pool, the readiness check
 * in setup, and the prompts (and chat sessions) built there, never in the timed window.
 */
export abstract class LlmAdapterBase<Op extends { turn: Turn | undefined; answer: string }> implements Adapter<Op> {
  protected readonly endpoint: LlmEndpoint;
  protected prompts!: PromptPool;
  /** Set when the recipe asks for chat sessions (`sessions:`). */
  protected sessions: SessionPool | undefined;
  /** The recipe's tokenizer (`tokenizer:`), else aifb's estimate. */
  protected tokens: TokenCounter = ESTIMATE;

  constructor(
    protected readonly spec: ServiceOf<typeof llmFields>,
    defaultPort: number,
    private readonly readiness: { path: string; what: string },
  ) {
    this.endpoint = new LlmEndpoint(spec, defaultPort);
  }

  async setup(ctx: SetupContext): Promise<void> {
    // The recipe's own files first: a broken tokenizer is bad input whatever the server does.
    const { tokenizer, prompts: cfg, sessions, max_tokens: maxTokens } = this.spec.fields;
    this.tokens = await loadTokenCounter(tokenizer);
    await this.endpoint.checkReady(this.readiness.path, ctx.signal, this.readiness.what);
    // Sessions from a ShareGPT file use its whole conversations, never the first-turn pool.
    if (!(sessions && cfg?.source === 'sharegpt')) this.prompts = new PromptPool(cfg, maxTokens, ctx.rng, undefined, this.tokens);
    if (sessions) this.sessions = new SessionPool(new SessionScripts(cfg, sessions, maxTokens, this.prompts), sessions);
  }

  abstract prepare(operation: string, rng: Rng, client?: number, startsInMs?: number): Op;
  abstract execute(op: Op, signal: AbortSignal): Promise<OperationResult>;

  /** A chat operation's turn: the next of a session when the recipe has sessions. */
  protected chatTurn(rng: Rng, client: number | undefined, startsInMs: number | undefined): Turn | undefined {
    return this.sessions?.next(rng, client, startsInMs);
  }

  /** Books a session turn's outcome and the answer received for it (see SessionPool.finish); nothing without sessions. */
  release(op: Op, result: OperationResult | undefined): void {
    if (op.turn) this.sessions!.finish(op.turn, op.answer, result);
  }

  async teardown(): Promise<void> {
    await this.endpoint.close();
  }
}
