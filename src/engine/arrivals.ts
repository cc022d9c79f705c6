import type { ArrivalProcess } from '../recipe/types.js';
import type { Rng } from '../util/rng.js';
import { LevelCurve } from './level.js';

/**
 * Intended start times of an open loop, in ms from the schedule's origin.
 *
 * Gaps are drawn in "operational time" (where the rate is 1) and mapped back through
 * the cumulative rate Λ(t) = ∫ r. For a constant rate that is the ordinary process;
 * for ramps it is the exact time-rescaled process, so a Poisson ramp stays Poisson.
 * Unit gaps: constant 1; Poisson Exp(1); gamma Gamma(b)/b (mean 1, CV 1/√b), the
 * vLLM `--burstiness` convention.
 */
export class ArrivalSchedule {
  private readonly curve: LevelCurve;
  private segment = 0;
  /** Operational time (Λ) placed so far in the current segment. */
  private used = 0;
  private first = true;

  /** For a conditioned schedule: Λ left to place and gaps left (arrivals + the tail). */
  private remainingArea = 0;
  private gapsLeft = 0;
  private readonly conditioned: boolean;

  /**
   * With `spanMs`, random processes are conditioned on their count: exactly
   * round(Λ(span)) arrivals fall in the span, their gaps drawn as the normalised
   * increments of the process (for Poisson these are exactly the arrival times of a
   * Poisson process given its count). Two runs then offer the same load, and the
   * achieved rate can be compared with the requested one.
   */
  constructor(
    startRatePerSec: number,
    stages: readonly { durationMs: number; target: number }[],
    private readonly process: ArrivalProcess,
    private readonly burstiness: number,
    private readonly rng: Rng,
    spanMs?: number,
  ) {
    this.curve = new LevelCurve(startRatePerSec, stages);
    this.conditioned = spanMs !== undefined && process !== 'constant';
    if (this.conditioned) {
      const total = this.areaUntil(spanMs!);
      this.gapsLeft = Math.round(total) + 1;
      this.remainingArea = total;
    }
  }

  /** Λ(t): expected arrivals in [0, t). */
  private areaUntil(t: number): number {
    let area = 0;
    for (const s of this.curve.segments) {
      if (t <= s.t0) break;
      const end = Math.min(t, s.t1);
      const d = end - s.t0;
      const rateEnd = s.t1 === Infinity ? s.from : s.from + ((s.to - s.from) * d) / (s.t1 - s.t0);
      area += ((s.from + rateEnd) / 2 / 1000) * d;
    }
    return area;
  }

  /** Fraction of the remaining span taken by the next of k exchangeable gaps: Beta(b, (k-1)b). */
  private nextFraction(k: number): number {
    if (k <= 1) return 1;
    if (this.process === 'poisson') return 1 - Math.pow(1 - this.rng.next(), 1 / (k - 1));
    const b = this.burstiness;
    const x = this.rng.gamma(b);
    const y = this.rng.gamma((k - 1) * b);
    return x / (x + y);
  }

  private unitGap(): number {
    switch (this.process) {
      case 'constant':
        return 1;
      case 'poisson':
        return this.rng.exponential();
      case 'gamma':
        return this.rng.gamma(this.burstiness) / this.burstiness;
    }
  }

  /** The next intended start, or undefined if the rate stays at zero for ever. */
  next(): number | undefined {
    // A constant process with a non-zero starting rate starts at t = 0; random ones
    // (and ramps from zero) draw their first gap too.
    if (this.first) {
      this.first = false;
      if (this.process === 'constant' && this.curve.at(0) > 0) return 0;
    }
    let area: number;
    if (this.conditioned) {
      if (this.gapsLeft <= 1) return undefined;
      area = this.nextFraction(this.gapsLeft) * this.remainingArea;
      this.remainingArea -= area;
      this.gapsLeft--;
    } else area = this.unitGap();
    const segs = this.curve.segments;
    while (this.segment < segs.length) {
      const s = segs[this.segment]!;
      const len = s.t1 - s.t0;
      const k = s.t1 === Infinity ? 0 : (s.to - s.from) / 1000 / len;
      // Rates times ms over 1000 rather than rate/1000 times ms: whole numbers stay exact.
      const segArea = s.t1 === Infinity ? (s.from > 0 ? Infinity : 0) : ((s.from + s.to) * len) / 2000;
      const used = this.used + area;
      if (segArea >= used && segArea > 0) {
        this.used = used;
        // From the segment's start, not by adding gaps: 170 gaps of 1000/170 ms summed fall
        // short of 1000 ms, and a one-second window then got a 171st start.
        const a = s.from / 1000;
        const tau = Math.abs(k) < 1e-15 ? (used * 1000) / s.from : (-a + Math.sqrt(Math.max(0, a * a + 2 * k * used))) / k;
        return s.t0 + tau;
      }
      if (s.t1 === Infinity) return undefined;
      area = used - segArea;
      this.used = 0;
      this.segment++;
    }
    return undefined;
  }
}
