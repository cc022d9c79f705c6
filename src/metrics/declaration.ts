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
}
