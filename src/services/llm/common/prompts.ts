import { readJsonl, readShareGptConversations } from './prompt-files.js';
import type { Rng } from '../../../util/rng.js';
import { AifbError } from '../../../errors.js';
import { estimateTokens } from './tokens.js';
import type { PromptsConfig } from './fields.js';

/** One prompt ready to send: its text, an estimate of its tokens, and the output length to ask for. */
export interface Prompt {
  text: string;
  estimatedTokens: number;
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

export { readShareGptConversations, type ShareGptConversation } from './prompt-files.js';

/** ShareGPT as single prompts: the first human turn is the prompt; its answer's length is the output asked for (as vLLM does). */
function readShareGpt(file: string, limit: number | undefined): { text: string; maxTokens?: number }[] {
  return readShareGptConversations(file, limit).map(({ turns: [first] }) =>
    first!.answerTokens === undefined ? { text: first!.text } : { text: first!.text, maxTokens: first!.answerTokens },
  );
}

/**
 * Prompts built once in setup (reading files, generating text), so that `prepare` only
 * picks one — nothing of this work falls in the timed window.
 */
export class PromptPool {
  private readonly prompts: Prompt[];

  constructor(cfg: PromptsConfig | undefined, defaultMaxTokens: number, rng: Rng, poolSize = 1024) {
    const source = cfg?.source ?? (cfg?.file ? 'jsonl' : 'synthetic');
    const outDist = cfg?.output_tokens;
    const maxTokensOf = (given?: number) => given ?? (outDist ? draw(rng, outDist) : defaultMaxTokens);
    if (source === 'synthetic') {
      // Only the first poolSize prefixes can ever be picked: more would be memory and nothing else.
      const prefixes = cfg?.prefix ? Array.from({ length: Math.min(cfg.prefix.groups, poolSize) }, () => words(rng, cfg.prefix!.tokens)) : [];
      this.prompts = Array.from({ length: poolSize }, (_, i) => {
        const n = draw(rng, cfg?.input_tokens ?? { mean: 128, stdev: 0 });
        const body = words(rng, n);
        const text = prefixes.length ? `${prefixes[i % prefixes.length]} ${body}` : body;
        return { text, estimatedTokens: estimateTokens(text), maxTokens: maxTokensOf() };
      });
    } else {
      const rows = source === 'jsonl' ? readJsonl(cfg!.file!, cfg?.limit) : readShareGpt(cfg!.file!, cfg?.limit);
      if (rows.length === 0) throw new AifbError('bad-input', `${cfg!.file}: no prompts`);
      this.prompts = rows.map((r) => ({ text: r.text, estimatedTokens: estimateTokens(r.text), maxTokens: maxTokensOf(r.maxTokens) }));
    }
  }

  get size(): number {
    return this.prompts.length;
  }

  pick(rng: Rng): Prompt {
    return this.prompts[rng.int(this.prompts.length)]!;
  }
}
