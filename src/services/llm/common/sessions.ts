import { randomBytes } from 'node:crypto';
import type { OperationResult } from '../../contract.js';
import type { Rng } from '../../../util/rng.js';
import { parseDurationMs } from '../../../util/units.js';
import type { SessionsConfig } from './fields.js';
import type { Prompt } from './prompts.js';
import type { SessionScripts } from './conversations.js';
import { estimateTokens } from './tokens.js';

/** A message of a chat request, as both OpenAI and Ollama take it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Why a session ended, recorded on the row of its last turn. */
export type SessionEnd = 'complete' | 'failed' | 'context';

interface Session {
  id: string;
  script: { system?: string; turns: { text: string; maxTokens: number }[] };
  /** Index of the next turn to send. */
  next: number;
  /** The conversation so far: system text, user turns and the answers received. */
  messages: ChatMessage[];
  /** Client estimate of the conversation's tokens (to respect max_context_tokens). */
  tokens: number;
  /** Open loop: when its next turn may be sent (answer + think time). */
  readyAt: number;
}

/** One turn about to be sent: the whole conversation, and what to record about it. */
export interface Turn {
  readonly session: Session;
  /** 0-based position of this turn in its session. */
  readonly index: number;
  readonly client: number | undefined;
  /** History plus this turn's user message. */
  readonly messages: ChatMessage[];
  /** This turn's text, with the whole conversation's token estimate and the output asked for. */
  readonly prompt: Prompt;
}

/**
 * Chat sessions, kept by the adapter so the engine needs to know nothing of them.
 *
 * - Closed loop: each client owns one session and sends its turns one after the other
 *   (waiting `think_time` after each answer, through the result's `pauseAfterMs`); when it
 *   ends, the client's next request starts a new session. So `clients: C` = C sessions at once.
 * - Open loop: an arrival sends the next turn of the session that has waited longest among
 *   those whose previous answer came back at least `think_time` before the arrival's
 *   scheduled start (not the moment it is prepared, which is earlier, or later when the run
 *   is behind); when none is ready, it starts a new session. Arrivals keep their schedule;
 *   sessions fill it.
 *
 * A turn that fails (any error class) ends its session: its partial answer is not a
 * conversation anyone would continue, and the next request starts a new session. A turn
 * prepared but never sent (a dropped start, the end of the run) is kept for later.
 */
export class SessionPool {
  private readonly byClient = new Map<number, Session>();
  private ready: Session[] = [];
  private readyHead = 0;
  private seq = 0;
  private readonly prefix = randomBytes(3).toString('hex');
  private readonly thinkMs: number;

  constructor(
    private readonly scripts: SessionScripts,
    private readonly cfg: SessionsConfig,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.thinkMs = cfg.think_time === undefined ? 0 : (parseDurationMs(cfg.think_time) ?? 0);
  }

  /**
   * The turn a closed-loop client (or, without one, an open-loop arrival scheduled to start
   * `startsInMs` from now) sends next.
   */
  next(rng: Rng, client: number | undefined, startsInMs = 0): Turn {
    let s = client === undefined ? this.takeReady(this.now() + startsInMs) : this.byClient.get(client);
    if (!s) {
      s = this.start(rng);
      if (client !== undefined) this.byClient.set(client, s);
    }
    const t = s.script.turns[s.next]!;
    const messages: ChatMessage[] = [...s.messages, { role: 'user', content: t.text }];
    return {
      session: s,
      index: s.next,
      client,
      messages,
      prompt: { text: t.text, estimatedTokens: s.tokens + estimateTokens(t.text), tokensFrom: 'estimate', maxTokens: t.maxTokens },
    };
  }

  /**
   * Books a turn's outcome: the answer joins the conversation, or the session ends. Adds the
   * session id, the 1-based turn and (on its last turn) why the session ended to the result's
   * `extra`, and in a closed loop asks for the think time before the session's next turn.
   */
  finish(turn: Turn, answer: string, result: OperationResult | undefined): void {
    const s = turn.session;
    if (!result) {
      // Never sent: the same turn goes out with a later request.
      if (turn.client === undefined) this.requeueFront(s);
      return;
    }
    let end: SessionEnd | undefined;
    if (!result.ok) end = 'failed';
    else {
      const user = turn.messages.at(-1)!;
      s.messages.push(user, { role: 'assistant', content: answer });
      s.tokens += estimateTokens(user.content) + estimateTokens(answer);
      s.next++;
      const following = s.script.turns[s.next];
      if (!following) end = 'complete';
      else if (this.cfg.max_context_tokens !== undefined && s.tokens + estimateTokens(following.text) + following.maxTokens > this.cfg.max_context_tokens) {
        end = 'context';
      }
    }
    result.extra = { ...result.extra, session_id: s.id, turn: turn.index + 1, ...(end ? { session_end: end } : {}) };
    if (end) {
      if (turn.client !== undefined && this.byClient.get(turn.client) === s) this.byClient.delete(turn.client);
      return;
    }
    if (turn.client !== undefined) {
      if (this.thinkMs > 0) result.pauseAfterMs = this.thinkMs;
    } else {
      s.readyAt = this.now() + this.thinkMs;
      this.ready.push(s);
    }
  }

  /** Sessions waiting for their next turn (open loop). */
  get waiting(): number {
    return this.ready.length - this.readyHead;
  }

  private start(rng: Rng): Session {
    const script = this.scripts.draw(rng);
    const messages: ChatMessage[] = script.system === undefined ? [] : [{ role: 'system', content: script.system }];
    return {
      id: `${this.prefix}-${(++this.seq).toString(36)}`,
      script,
      next: 0,
      messages,
      tokens: script.system === undefined ? 0 : estimateTokens(script.system),
      readyAt: 0,
    };
  }

  /**
   * The session that has waited longest of those ready at `at`; sessions join in answer
   * order, so the queue is sorted by readiness.
   */
  private takeReady(at: number): Session | undefined {
    const s = this.ready[this.readyHead];
    if (!s || s.readyAt > at) return undefined;
    this.readyHead++;
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return s;
  }

  private requeueFront(s: Session): void {
    if (this.readyHead > 0) this.ready[--this.readyHead] = s;
    else this.ready.unshift(s);
  }
}
