/* Part of the backend contract (services/contract.ts re-exports it); here so metrics/ needs nothing from services/. */

/**
 * A figure a backend leaves in its results' `extra` (k6's metric kinds): the report, the
 * HTML and the stored aggregates summarise whatever is declared, by kind, with no name
 * known to the core. Values: a number, or for a trend `[value, count]` pairs (token gaps).
 */
export interface MetricDeclaration {
  /** The key in `OperationResult.extra`. */
  name: string;
  /** trend: a distribution (percentiles); rate: the mean and minimum of values in [0, 1]; counter: a sum. */
  kind: 'trend' | 'counter' | 'rate';
  unit: 'ms' | 'fraction' | 'count' | 'bytes';
  /** The operations that emit it (all, when absent). */
  operations?: readonly string[];
  description: string;
  /** Where the service's report shows it, as a path (`ttfb`, `llm.e2el`); absent: `metrics.<name>`. A path below an absent object is skipped. */
  reportAs?: string;
  /** Also in each operation's slice, at the same path. */
  perOperation?: boolean;
  /** trend: its values binned (log-spaced, seconds) at this path, for histograms and CDFs. */
  histogramAs?: string;
  /** rate: the name of its count in the report (default `count`). */
  countAs?: string;
  /**
   * Which way is an improvement, for `aifb compare`'s verdicts: a trend in ms is lower by
   * default; a rate or counter without it gets `changed`, never `worse`.
   */
  better?: 'lower' | 'higher';
  /**
   * The recipe's SLO judged on each request's largest value of this trend (`itl_ms`: a
   * request meets it while its slowest token gap is within it). At most one per SLO.
   */
  judges?: 'itl_ms';
}

/** The unit's suffix a declared name may end with (`ttfb_ms`), which names built from it move to their end. */
const UNIT_SUFFIX: Record<MetricDeclaration['unit'], string> = { ms: '_ms', bytes: '_bytes', count: '', fraction: '' };

/**
 * A declared name without its unit suffix (`ttfb_ms` → `ttfb`), and that suffix: derived
 * names put the statistic before the unit (`ttfb_p99_ms`, `benchmark_ttfb_seconds`).
 */
export function declaredBase(d: Pick<MetricDeclaration, 'name' | 'unit'>): { base: string; suffix: string } {
  const suffix = UNIT_SUFFIX[d.unit];
  return suffix && d.name.endsWith(suffix) && d.name.length > suffix.length ? { base: d.name.slice(0, -suffix.length), suffix } : { base: d.name, suffix };
}

/**
 * Whether a request's value of `d` counts: a trend in ms is latency-like and, as every
 * latency the thresholds judge, summarised over successful requests only (a refused
 * connection is fast, not good); the other figures count whatever the outcome.
 */
export function countsOutcome(d: Pick<MetricDeclaration, 'kind' | 'unit'>, ok: boolean): boolean {
  return ok || d.kind !== 'trend' || d.unit !== 'ms';
}

/** Which way is better for `d`: as declared, else lower for a latency-like trend, else no side. */
export function betterOf(d: Pick<MetricDeclaration, 'kind' | 'unit' | 'better'>): 'lower' | 'higher' | undefined {
  return d.better ?? (d.kind === 'trend' && d.unit === 'ms' ? 'lower' : undefined);
}

/**
 * Bookkeeping a backend keeps in `extra` beside its metrics: where a count came from, a
 * share of a trend's values, a request's place in a session. The aggregates keep it by
 * kind and the report places it at `reportAs`, below a block the report has (`llm`),
 * printed under `label`; thresholds, `aifb compare` and the exports leave it alone.
 */
export type TallyDeclaration = SourcesTally | ShareTally | SessionsTally;

/** `name`: the key in `OperationResult.extra`. */
type TallyBase = { name: string; reportAs: string; label: string };

/** Requests counted by the source each of `keys` names in the object at `name` (`{input: 'server'}`). */
export type SourcesTally = TallyBase & { kind: 'sources'; keys: readonly string[] };

/**
 * The sum of `name` out of all the values of the trend `of` (`[value, count]` pairs), over
 * the requests that carry `of`: placed at `reportAs` and `wholeAs` once there is a value,
 * printed while the part is not 0 as "<part> of <whole> <unit> (<share>) <text>".
 */
export type ShareTally = TallyBase & { kind: 'share'; of: string; wholeAs: string; unit: string; text: string };

/**
 * Requests in sessions: `name` holds a request's session, `turn` its position in it from 1,
 * `end` why the session ended with it (one of `ends`' keys, each printed as its words).
 * The report counts the sessions and their ends, and per turn the requests, failures, TTFT
 * and input tokens; the HTML report heads them with `title`.
 */
export type SessionsTally = TallyBase & { kind: 'sessions'; turn: string; end: string; ends: Readonly<Record<string, string>>; title: string };
