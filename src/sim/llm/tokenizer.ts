import type { Rng } from '../../util/rng.js';

/*
 * The simulator's toy tokenizer. Real tokenizers need vocabularies we cannot download; this
 * rule only has to be deterministic, cheap, documented and roughly word-sized:
 *   - a run of letters, digits or "_" is one token per started 8 characters;
 *   - every other non-space character is a token of its own;
 *   - whitespace is never a token.
 * Generated text is made of vocabulary words (each at most 7 letters) followed by one space,
 * so a client counts the tokens of generated text as its whitespace-separated words.
 */
const TOKEN_RE = /[\p{L}\p{N}_]{1,8}|[^\s\p{L}\p{N}_]/gu;

/** Number of tokens in `text` under the simulator's rule. */
export function countTokens(text: string): number {
  TOKEN_RE.lastIndex = 0;
  let n = 0;
  while (TOKEN_RE.exec(text) !== null) n++;
  return n;
}

/** One chat message as the OpenAI and Ollama APIs send it. */
export interface ChatMessage {
  role: string;
  content?: unknown;
}

/** The text of a message's content: a string, or the text parts of an array of parts. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
          ? (part as { text: string }).text
          : '',
      )
      .join('');
  }
  return '';
}

/**
 * Renders a conversation with a fixed toy chat template (`<|role|>\ncontent\n` per message,
 * then `<|assistant|>\n`), so chat prompts pay for their template like real ones do.
 */
export function renderChat(messages: readonly ChatMessage[]): string {
  let out = '';
  for (const m of messages) out += `<|${m.role}|>\n${messageText(m.content)}\n`;
  return out + '<|assistant|>\n';
}

/** Short words only, so each stays a single token under the rule above. */
const VOCAB = [
  'the', 'of', 'and', 'to', 'in', 'is', 'it', 'that', 'for', 'on', 'with', 'as', 'was', 'at',
  'by', 'an', 'be', 'this', 'from', 'or', 'are', 'not', 'but', 'have', 'one', 'all', 'we',
  'can', 'more', 'data', 'model', 'token', 'node', 'graph', 'cache', 'query', 'batch', 'layer',
  'vector', 'tensor', 'kernel', 'memory', 'server', 'stream', 'cluster', 'compute', 'network',
  'storage', 'latency', 'rate', 'load', 'queue', 'time', 'step', 'rank', 'head', 'block',
  'page', 'core', 'gpu', 'job', 'task', 'run', 'test',
];

/** Generates the text of `count` tokens: each one a vocabulary word and a space. */
export function generateTokens(rng: Rng, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += VOCAB[rng.int(VOCAB.length)] + ' ';
  return out;
}

/** A 32-bit hash of text, to seed generation from (request seed, prompt) pairs. */
export function hashText(seed: number, text: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
