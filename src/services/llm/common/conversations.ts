import type { Rng } from '../../../util/rng.js';
import type { PromptsConfig, SessionsConfig } from './fields.js';
import { draw, type PromptPool } from './prompts.js';
import { readShareGptConversations, type ShareGptConversation } from './prompt-files.js';

/** One user turn of a session: what the user says and the output length to ask for. */
export interface ScriptTurn {
  text: string;
  maxTokens: number;
}

/** What a session will say, drawn when it starts: the user turns (answers come from the server). */
export interface SessionScript {
  system?: string;
  turns: ScriptTurn[];
}

/**
 * Where sessions' scripts come from, built in setup so that starting a session only picks
 * or draws: a ShareGPT file's whole conversations (each with its own number of turns), or
 * the prompt pool (synthetic or JSONL) with a number of turns drawn from `sessions.turns`.
 */
export class SessionScripts {
  private readonly conversations: ShareGptConversation[] | undefined;

  /** `prompts` serves the turns unless the source is a ShareGPT file (then it may be undefined). */
  constructor(
    private readonly cfg: PromptsConfig | undefined,
    private readonly sessions: SessionsConfig,
    private readonly defaultMaxTokens: number,
    private readonly prompts: PromptPool | undefined,
  ) {
    if (cfg?.source === 'sharegpt') this.conversations = readShareGptConversations(cfg.file!, cfg.limit);
  }

  /** The script of a new session. */
  draw(rng: Rng): SessionScript {
    if (this.conversations) {
      const c = this.conversations[rng.int(this.conversations.length)]!;
      const outDist = this.cfg?.output_tokens;
      const turns = c.turns.map((t) => ({
        text: t.text,
        maxTokens: t.answerTokens ?? (outDist ? draw(rng, outDist) : this.defaultMaxTokens),
      }));
      return c.system === undefined ? { turns } : { system: c.system, turns };
    }
    // The recipe check makes turns present whenever the source is not ShareGPT.
    const n = Math.max(1, draw(rng, this.sessions.turns ?? 1));
    return {
      turns: Array.from({ length: n }, () => {
        const p = this.prompts!.pick(rng);
        return { text: p.text, maxTokens: p.maxTokens };
      }),
    };
  }
}
