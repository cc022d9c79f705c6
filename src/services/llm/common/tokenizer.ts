import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AifbError } from '../../../errors.js';
import { estimateTokens } from './tokens.js';

/** Where a token count came from: the server's usage, the model's tokenizer run by aifb, or aifb's estimate. */
export type TokenSource = 'server' | 'tokenizer' | 'estimate';

/** Counts the tokens of a text; with a tokenizer it can also cut a text to a number of tokens. */
export interface TokenCounter {
  readonly source: 'tokenizer' | 'estimate';
  count(text: string): number;
  /** The text of the first `n` tokens of `text` (tokenizer only). */
  truncate?(text: string, n: number): string;
}

/** aifb's own estimate (tokens.ts), used when the recipe names no tokenizer. */
export const ESTIMATE: TokenCounter = { source: 'estimate', count: estimateTokens };

/** A tokenizer.json larger than this is not a tokenizer (the largest vocabularies are ~30 MB). */
const MAX_TOKENIZER_FILE = 256 * 1024 * 1024;

/** The tokenizer.json a recipe's `tokenizer:` names (a folder holding it, or the file itself), or a problem. */
export function tokenizerFile(path: string): { file: string } | { problem: string } {
  let st;
  try {
    st = statSync(path);
  } catch {
    return { problem: `tokenizer not found: ${path} (name a local Hugging Face tokenizer folder, one with tokenizer.json)` };
  }
  const file = st.isDirectory() ? join(path, 'tokenizer.json') : path;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return { problem: `tokenizer ${path} has no tokenizer.json (a Hugging Face tokenizer folder holds tokenizer.json, tokenizer_config.json)` };
  }
  try {
    const f = fstatSync(fd);
    if (!f.isFile()) return { problem: `tokenizer ${file} is not a regular file` };
    if (f.size > MAX_TOKENIZER_FILE) return { problem: `tokenizer ${file} has ${f.size} bytes; no tokenizer is that large` };
  } finally {
    closeSync(fd);
  }
  return { file };
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AifbError('bad-input', `tokenizer ${file}: not ${what} (${(err as Error).message.slice(0, 120)})`);
  }
}

/**
 * The recipe's tokenizer, loaded offline from its folder through Hugging Face's
 * tokenizers.js (the tokenizer code of transformers.js: the same tokenizer.json, the same
 * ids as the Rust `tokenizers`), or aifb's estimate when none is named. Counts leave out
 * special tokens (BOS/EOS): a server that adds a BOS reports one token more.
 */
export async function loadTokenCounter(path: string | undefined): Promise<TokenCounter> {
  if (!path) return ESTIMATE;
  const found = tokenizerFile(path);
  if ('problem' in found) throw new AifbError('bad-input', found.problem);
  const json = readJson(found.file, 'a tokenizer.json');
  const configFile = join(found.file, '..', 'tokenizer_config.json');
  let config: unknown = {};
  try {
    statSync(configFile);
    config = readJson(configFile, 'a tokenizer_config.json');
  } catch (err) {
    if (err instanceof AifbError) throw err;
  }
  const { Tokenizer } = await import('@huggingface/tokenizers');
  let tok: InstanceType<typeof Tokenizer>;
  try {
    tok = new Tokenizer(json as object, config as object);
  } catch (err) {
    throw new AifbError('bad-input', `tokenizer ${found.file}: cannot be used (${(err as Error).message.slice(0, 160)})`);
  }
  const ids = (text: string) => tok.encode(text, { add_special_tokens: false }).ids;
  return {
    source: 'tokenizer',
    count: (text) => ids(text).length,
    truncate: (text, n) => tok.decode(ids(text).slice(0, n), { skip_special_tokens: false }),
  };
}
