import { readJsonl, readShareGptConversations } from './prompt-files.js';
import type { Rng } from '../../../util/rng.js';
import { AifbError } from '../../../errors.js';
import { ESTIMATE, type TokenCounter } from './tokenizer.js';
import type { PromptsConfig } from './fields.js';

/**
 * One prompt ready to send: its text, the client's count of its tokens (by the recipe's
 * tokenizer, else estimated: `tokensFrom`), and the output length to ask for.
 */
export interface Prompt {
  text: string;
  estimatedTokens: number;
  tokensFrom: 'tokenizer' | 'estimate';
  maxTokens: number;
}

type Dist = NonNullable<PromptsConfig['input_tokens']>;

/** A draw from a length given as a number or {mean, stdev, min, max} (normal, clipped, rounded). */
export function draw(rng: Rng, d: Dist): number {
  if (typeof d === 'number') return d;
  const v = d.mean + (d.stdev ?? 0) * rng.normal();
  return Math.max(d.min ?? 1, Math.min(d.max ?? Number.MAX_SAFE_INTEGER, Math.round(v)));
}

// Short common words: each is one token for most BPE vocabularies and for our estimate.
const WORDS = ('the of and to in is it that for on with as was at by an be this from or are not but have one all we can ' +
  'more data model token node graph cache query batch layer vector tensor kernel memory server stream cluster compute ' +
  'network storage latency rate load queue time step rank head block page core job task run test').split(' ');

function words(rng: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[rng.int(WORDS.length)]!);
  return out.join(' ');
}


/**
 * Synthetic text of exactly `n` tokens by the tokenizer (from `start`, which has `n`
 * words): cut to n tokens when longer, words added when shorter, until the count is n.
 * A cut can re-tokenize differently at its end, hence the loop; after 16 tries (never
 * seen) the nearest text is kept and its true count returned.
 */
function exactLength(counter: TokenCounter, rng: Rng, start: string, n: number): { text: string; tokens: number } {
  let text = start;
  let best = { text, tokens: counter.count(text) };
  for (let i = 0; i < 16 && best.tokens !== n; i++) {
    text = best.tokens > n ? counter.truncate!(text, n) : `${text} ${words(rng, n - best.tokens)}`;
    const tokens = counter.count(text);
    if (Math.abs(tokens - n) <= Math.abs(best.tokens - n)) best = { text, tokens };
  }
  return best;
}

/** ShareGPT as single prompts: the first human turn is the prompt; its answer's length is the output asked for (as vLLM does). */
function readShareGpt(file: string, limit: number | undefined, counter: TokenCounter): { text: string; maxTokens?: number }[] {
  return readShareGptConversations(file, limit, counter).map(({ turns: [first] }) =>
    first!.answerTokens === undefined ? { text: first!.text } : { text: first!.text, maxTokens: first!.answerTokens },
  );
}

/**
 * Prompts built once in setup (reading files, generating text), so that `prepare` only
 * picks one — nothing of this work falls in the timed window.
 */
export class PromptPool {
  private readonly prompts: Prompt[];

  /**
   * With a tokenizer (`counter`), synthetic prompts have exactly their `input_tokens`
   * (plus the prefix's `tokens`), and file prompts are counted by it.
   */
  constructor(cfg: PromptsConfig | undefined, defaultMaxTokens: number, rng: Rng, poolSize = 1024, counter: TokenCounter = ESTIMATE) {
    const from = counter.source;
    const source = cfg?.source ?? (cfg?.file ? 'jsonl' : 'synthetic');
    const outDist = cfg?.output_tokens;
    const maxTokensOf = (given?: number) => given ?? (outDist ? draw(rng, outDist) : defaultMaxTokens);
    if (source === 'synthetic') {
      // Only the first poolSize prefixes can ever be picked: more would be memory and nothing else.
      const exact = counter.truncate !== undefined;
      const make = (n: number, before = '', beforeTokens = 0) => {
        const start = before ? `${before} ${words(rng, n)}` : words(rng, n);
        return exact ? exactLength(counter, rng, start, beforeTokens + n) : { text: start, tokens: counter.count(start) };
      };
      const prefixes = cfg?.prefix ? Array.from({ length: Math.min(cfg.prefix.groups, poolSize) }, () => make(cfg.prefix!.tokens)) : [];
      this.prompts = Array.from({ length: poolSize }, (_, i) => {
        const n = draw(rng, cfg?.input_tokens ?? { mean: 128, stdev: 0 });
        const p = prefixes.length ? prefixes[i % prefixes.length]! : undefined;
        const { text, tokens } = p ? make(n, p.text, p.tokens) : make(n);
        return { text, estimatedTokens: tokens, tokensFrom: from, maxTokens: maxTokensOf() };
      });
    } else {
      const rows = source === 'jsonl' ? readJsonl(cfg!.file!, cfg?.limit) : readShareGpt(cfg!.file!, cfg?.limit, counter);
      if (rows.length === 0) throw new AifbError('bad-input', `${cfg!.file}: no prompts`);
      this.prompts = rows.map((r) => ({ text: r.text, estimatedTokens: counter.count(r.text), tokensFrom: from, maxTokens: maxTokensOf(r.maxTokens) }));
    }
  }

  get size(): number {
    return this.prompts.length;
  }

  pick(rng: Rng): Prompt {
    return this.prompts[rng.int(this.prompts.length)]!;
  }
}
