/**
 * Splits a byte stream into lines as they arrive (LF or CRLF), decoding UTF-8 across
 * chunk boundaries. Yields each line with the time its last byte was received, so token
 * timing is taken when the client could first see the token, not when parsing ran.
 */
export async function* timedLines(
  body: AsyncIterable<Uint8Array>,
  now: () => number,
): AsyncGenerator<{ line: string; at: number }> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    const at = now();
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const raw = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      yield { line, at };
      nl = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending.length > 0) yield { line: pending, at: now() };
}

/** One SSE event's data (lines starting `data:` joined), or a comment/ping. */
export type SseItem = { kind: 'data'; data: string; at: number } | { kind: 'comment'; at: number };

/**
 * Server-sent events from lines: `data:` lines accumulate until a blank line ends the
 * event; `:` lines are comments (pings); other fields (event, id, retry) are ignored.
 * A stream that ends without the final blank line still yields its last event.
 */
export async function* sseEvents(lines: AsyncIterable<{ line: string; at: number }>): AsyncGenerator<SseItem> {
  let data: string[] = [];
  let at = 0;
  for await (const { line, at: t } of lines) {
    if (line === '') {
      if (data.length) yield { kind: 'data', data: data.join('\n'), at };
      data = [];
      continue;
    }
    if (line.startsWith(':')) {
      yield { kind: 'comment', at: t };
      continue;
    }
    if (line.startsWith('data:')) {
      data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      at = t;
    }
  }
  if (data.length) yield { kind: 'data', data: data.join('\n'), at };
}

/** Passes a body through while counting its bytes. */
export async function* counted(body: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    onBytes(chunk.byteLength);
    yield chunk;
  }
}
