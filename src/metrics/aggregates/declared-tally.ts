import { Distribution } from '../distribution.js';
import type { MetricDeclaration } from '../declaration.js';

/** A rate's figures (values in [0, 1]): mean, worst, and how many were judged. */
export interface RateSummary {
  mean: number;
  min: number;
  count: number;
}

/** Running mean and minimum of a rate's values. */
export class RateTally {
  private sum = 0;
  private min = Infinity;
  private n = 0;

  add(v: number): void {
    this.sum += v;
    this.min = Math.min(this.min, v);
    this.n++;
  }

  summary(): RateSummary | undefined {
    return this.n ? { mean: this.sum / this.n, min: this.min, count: this.n } : undefined;
  }
}

/** What one declared metric's values add up to: a distribution, a rate or a sum, by its kind. */
export type Tally = Distribution | RateTally | { sum: number };

export function newTally(kind: MetricDeclaration['kind']): Tally {
  return kind === 'trend' ? new Distribution() : kind === 'rate' ? new RateTally() : { sum: 0 };
}

/** Adds one request's value (a number, or for a trend `[value, count]` pairs); false when it is not one. */
export function addTo(t: Tally, v: unknown): boolean {
  if (t instanceof Distribution) {
    if (typeof v === 'number') t.record(v);
    else if (Array.isArray(v)) for (const [x, k] of v as [number, number][]) t.recordMany(x, k);
    else return false;
  } else if (typeof v !== 'number') return false;
  else if (t instanceof RateTally) t.add(v);
  else t.sum += v;
  return true;
}

/**
 * The figure as the report shows it: a DistSummary (seconds), a RateSummary with its
 * count named as declared, or the sum; undefined for a trend or rate with no value.
 */
export function summaryOf(t: Tally, d: MetricDeclaration): unknown {
  if (t instanceof Distribution) return t.count ? t.summary() : undefined;
  if (t instanceof RateTally) {
    const s = t.summary();
    return s && { mean: s.mean, min: s.min, [d.countAs ?? 'count']: s.count };
  }
  return t.sum;
}
