import { readFileSync } from 'node:fs';
import type { Rng } from '../../../util/rng.js';
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

function readJsonl(file: string, limit: number | undefined): { text: string; maxTokens?: number }[] {
  const out: { text: string; maxTokens?: number }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { prompt?: unknown; text?: unknown; max_tokens?: unknown; output_tokens?: unknown };
    const text = typeof row.prompt === 'string' ? row.prompt : typeof row.text === 'string' ? row.text : undefined;
    if (text === undefined) throw new Error(`${file}: each line needs a "prompt" (or "text") string`);
    const mt = typeof row.max_tokens === 'number' ? row.max_tokens : typeof row.output_tokens === 'number' ? row.output_tokens : undefined;
    out.push(mt === undefined ? { text } : { text, maxTokens: mt });
    if (limit && out.length >= limit) break;
  }
  return out;
}

/** One ShareGPT conversation: an optional system text, then user turns with the length of the answer that followed. */
export interface ShareGptConversation {
  system?: string;
  turns: { text: string; answerTokens?: number }[];
}

/**
 * ShareGPT files (a JSON list of `{conversations: [{from, value}]}`): each conversation's
 * user turns in order, each with the estimated length of the answer that followed it.
 * Leading answers (before any user turn) are skipped; `limit` counts conversations.
 */
export function readShareGptConversations(file: string, limit: number | undefined): ShareGptConversation[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { conversations?: { from?: string; value?: string }[] }[];
  const out: ShareGptConversation[] = [];
  for (const conv of data) {
    const c: ShareGptConversation = { turns: [] };
    for (const t of conv.conversations ?? []) {
      if (!t.value) continue;
      if (t.from === 'system' && c.turns.length === 0) c.system = t.value;
      else if (t.from === 'human' || t.from === 'user') c.turns.push({ text: t.value });
      else if (t.from === 'gpt' || t.from === 'assistant') {
        const last = c.turns.at(-1);
        if (last && last.answerTokens === undefined) last.answerTokens = Math.max(1, estimateTokens(t.value));
      }
    }
    if (c.turns.length === 0) continue;
    out.push(c);
    if (limit && out.length >= limit) break;
  }
  if (out.length === 0) throw new Error(`${file}: no conversation with a human turn`);
  return out;
}

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
      const prefixes = cfg?.prefix ? Array.from({ length: cfg.prefix.groups }, () => words(rng, cfg.prefix!.tokens)) : [];
      this.prompts = Array.from({ length: poolSize }, (_, i) => {
        const n = draw(rng, cfg?.input_tokens ?? { mean: 128, stdev: 0 });
        const body = words(rng, n);
        const text = prefixes.length ? `${prefixes[i % prefixes.length]} ${body}` : body;
        return { text, estimatedTokens: estimateTokens(text), maxTokens: maxTokensOf() };
      });
    } else {
      const rows = source === 'jsonl' ? readJsonl(cfg!.file!, cfg?.limit) : readShareGpt(cfg!.file!, cfg?.limit);
      if (rows.length === 0) throw new Error(`${cfg!.file}: no prompts`);
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
