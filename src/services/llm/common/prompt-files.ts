import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { AifbError } from '../../../errors.js';
import { estimateTokens } from './tokens.js';

/** A prompt file larger than this cannot be one JavaScript string (V8's limit is ~512 MiB). */
const MAX_PROMPT_FILE = 512 * 1024 * 1024;

const bad = (message: string) => new AifbError('bad-input', message);

/** Why path cannot be a prompt file (a FIFO would block the process), or undefined. */
export function promptFileProblem(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `prompt file not found: ${path}` : `prompt file ${path} cannot be read: ${(err as Error).message}`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return `prompt file ${path} is not a regular file (${st.isDirectory() ? 'a directory' : 'a FIFO, device or socket'})`;
    if (st.size > MAX_PROMPT_FILE) return `prompt file ${path} has ${st.size} bytes; at most ${MAX_PROMPT_FILE} can be read (take a part of it)`;
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readText(path: string): string {
  const problem = promptFileProblem(path);
  if (problem) throw bad(problem);
  return readFileSync(path, 'utf8');
}

function jsonError(err: unknown): string {
  return (err as Error).message.replace(/ in JSON at position \d+.*$/s, '').replace(/, \.\.\.?".*$/s, '').replace(/\s+/g, ' ').slice(0, 120);
}

/** JSONL prompts: one `{"prompt": …}` (or `"text"`) per line; a bad line is named by file:line. */
export function readJsonl(file: string, limit: number | undefined): { text: string; maxTokens?: number }[] {
  const out: { text: string; maxTokens?: number }[] = [];
  const lines = readText(file).split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw bad(`${file}:${i + 1}: not a JSON object (${jsonError(err)}); a JSONL prompt file has one {"prompt": "..."} per line`);
    }
    const r = (row && typeof row === 'object' ? row : {}) as { prompt?: unknown; text?: unknown; max_tokens?: unknown; output_tokens?: unknown };
    const text = typeof r.prompt === 'string' ? r.prompt : typeof r.text === 'string' ? r.text : undefined;
    if (text === undefined) throw bad(`${file}:${i + 1}: each line needs a "prompt" (or "text") string`);
    const mt = typeof r.max_tokens === 'number' ? r.max_tokens : typeof r.output_tokens === 'number' ? r.output_tokens : undefined;
    if (mt !== undefined && !(Number.isInteger(mt) && mt >= 1)) throw bad(`${file}:${i + 1}: max_tokens must be a positive integer`);
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
 * The line of a JSON syntax error. Node 20's JSON.parse gives an offset only for some
 * errors; JSON is YAML, and the YAML parser places every error (used on small files only).
 */
function errorLine(text: string, err: unknown): number {
  const pos = /position (\d+)/.exec((err as Error).message)?.[1];
  if (pos !== undefined) return lineOfOffset(text, Number(pos));
  if (text.length > 32 * 1024 * 1024) return 1;
  const e = parseDocument(text, { uniqueKeys: false, prettyErrors: true }).errors[0];
  return e?.linePos?.[0].line ?? 1;
}

/** The line of an offset in text, found by counting. */
function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * ShareGPT files (a JSON list of `{conversations: [{from, value}]}`): each conversation's
 * user turns in order, each with the length of the answer that followed it (by the
 * recipe's tokenizer, else estimated).
 * Leading answers (before any user turn) are skipped; `limit` counts conversations.
 */
export function readShareGptConversations(file: string, limit: number | undefined, counter: { count(text: string): number } = { count: estimateTokens }): ShareGptConversation[] {
  const text = readText(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw bad(`${file}:${errorLine(text, err)}: not JSON (${jsonError(err)}); a ShareGPT file is a JSON list of {"conversations": [{"from": ..., "value": ...}]}`);
  }
  if (!Array.isArray(data)) throw bad(`${file}:1: a ShareGPT file is a JSON list of {"conversations": [...]}, not ${data === null ? 'null' : typeof data}`);
  const out: ShareGptConversation[] = [];
  for (const [k, conv] of data.entries()) {
    const turns = (conv as { conversations?: unknown } | null)?.conversations;
    if (!Array.isArray(turns)) throw bad(`${file}: conversation ${k + 1} has no "conversations" list`);
    const c: ShareGptConversation = { turns: [] };
    for (const t of turns as { from?: unknown; value?: unknown }[]) {
      if (!t || typeof t.value !== 'string' || !t.value) continue;
      if (t.from === 'system' && c.turns.length === 0) c.system = t.value;
      else if (t.from === 'human' || t.from === 'user') c.turns.push({ text: t.value });
      else if (t.from === 'gpt' || t.from === 'assistant') {
        const last = c.turns.at(-1);
        if (last && last.answerTokens === undefined) last.answerTokens = Math.max(1, counter.count(t.value));
      }
    }
    if (c.turns.length === 0) continue;
    out.push(c);
    if (limit && out.length >= limit) break;
  }
  if (out.length === 0) throw bad(`${file}: no conversation with a human turn`);
  return out;
}
