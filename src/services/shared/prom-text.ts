/** One sample line of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the sample lines of Prometheus' text format (0.0.4), as servers' /metrics
 * serve it; comments, timestamps and lines it cannot read are skipped (a scrape keeps
 * what it understood rather than failing on one odd line).
 */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : m[4]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/**
 * The sum of a metric over its series whose labels match `where` (a label absent from a
 * series matches: llama.cpp's metrics have no model label); undefined when no series of
 * that name is there, so a figure the server lacks stays absent rather than zero.
 */
export function promSum(samples: readonly PromSample[], name: string, where: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).some(([k, v]) => s.labels[k] !== undefined && s.labels[k] !== v)) continue;
    sum = (sum ?? 0) + s.value;
  }
  return sum;
}

/**
 * Builds a reading from a table of aifb name → the server's names (the first present
 * wins, for metrics renamed across versions) and a scale (µs → s).
 */
export function readByTable(
  samples: readonly PromSample[],
  table: Record<string, { kind: 'counter' | 'gauge'; from: readonly string[]; scale?: number }>,
  where: Record<string, string> = {},
): { counters: Record<string, number>; gauges: Record<string, number> } {
  const counters: Record<string, number> = {};
  const gauges: Record<string, number> = {};
  for (const [ours, t] of Object.entries(table)) {
    for (const theirs of t.from) {
      const v = promSum(samples, theirs, where);
      if (v === undefined) continue;
      (t.kind === 'counter' ? counters : gauges)[ours] = v * (t.scale ?? 1);
      break;
    }
  }
  return { counters, gauges };
}
