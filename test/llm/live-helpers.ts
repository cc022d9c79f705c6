// What the live LLM conformance tests share: one operation sent as the engine sends it
// (optionally with its JSON body changed, to draw the server's real error bodies), and
// chat session turns in order.
import type { Adapter, OperationResult } from '../../src/services/contract.js';
import { classifyThrown } from '../../src/engine/classify.js';
import type { Rng } from '../../src/util/rng.js';

type AnyOp = { body: Buffer } & Record<string, unknown>;

/** Prepares and executes one operation; `edit` may change its JSON body first. */
export async function sendOne(
  adapter: Adapter,
  operation: string,
  rng: Rng,
  edit?: (body: Record<string, unknown>) => Record<string, unknown>,
  client?: number,
): Promise<{ result: OperationResult; body: Record<string, unknown> }> {
  let op = adapter.prepare(operation, rng, client) as AnyOp;
  let body = JSON.parse(op.body.toString()) as Record<string, unknown>;
  if (edit) {
    body = edit(body);
    op = { ...op, body: Buffer.from(JSON.stringify(body)) };
  }
  let result: OperationResult;
  try {
    result = await adapter.execute(op, new AbortController().signal);
  } catch (err) {
    result = classifyThrown(err, false, false);
  }
  adapter.release?.(op, result);
  return { result, body };
}

/** Reads one Prometheus counter or gauge (no labels) from an exposition text. */
export function metric(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{')) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Sum of one Prometheus metric over all its label sets matching `labels` (a substring). */
export function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(name + '{') || line.startsWith(name + ' ')) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
