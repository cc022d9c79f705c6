import { request } from 'undici';

/** One line of a streamed body and when the client saw it (performance.now()). */
export interface TimedLine {
  t: number;
  text: string;
}

export interface StreamResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  lines: TimedLine[];
  /** The body ended with an error (cut connection) instead of cleanly. */
  error?: Error;
}

/** POSTs JSON and reads the body line by line, stamping each line with its arrival time. */
export async function postStream(url: string, body: unknown): Promise<StreamResult> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const lines: TimedLine[] = [];
  let buffer = '';
  let error: Error | undefined;
  try {
    for await (const chunk of res.body) {
      const t = performance.now();
      buffer += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push({ t, text: buffer.slice(0, nl) });
        buffer = buffer.slice(nl + 1);
      }
    }
  } catch (err) {
    error = err as Error;
  }
  if (buffer) lines.push({ t: performance.now(), text: buffer });
  return { status: res.statusCode, headers: res.headers, lines, ...(error ? { error } : {}) };
}

/** SSE `data:` payloads (comments and blank lines dropped), with arrival times. */
export function sseData(lines: TimedLine[]): TimedLine[] {
  return lines.filter((l) => l.text.startsWith('data: ')).map((l) => ({ t: l.t, text: l.text.slice(6) }));
}

/** POSTs JSON and parses a JSON answer. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, headers: res.headers, json };
}

/** GETs a URL and returns status and text. */
export async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await request(url);
  return { status: res.statusCode, text: await res.body.text() };
}

/** Tokens of generated text: the simulator emits one word and a space per token. */
export function words(text: string): number {
  return text.split(' ').filter((w) => w.length > 0).length;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
