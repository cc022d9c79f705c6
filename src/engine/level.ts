import type { Stage } from '../recipe/types.js';

/**
 * The load level over time: starts at `start` and ramps linearly to each stage's
 * target over the stage's duration, then holds the last target (k6's ramping model).
 */
export class LevelCurve {
  /** Segment boundaries: [t0, t1) ramps from `from` to `to`. The last one is open-ended. */
  readonly segments: { t0: number; t1: number; from: number; to: number }[] = [];

  constructor(start: number, stages: readonly Stage[]) {
    let t = 0;
    let level = start;
    for (const st of stages) {
      if (st.durationMs > 0) this.segments.push({ t0: t, t1: t + st.durationMs, from: level, to: st.target });
      t += st.durationMs;
      level = st.target;
    }
    this.segments.push({ t0: t, t1: Infinity, from: level, to: level });
  }

  /** Level at time t (ms since the curve's start). */
  at(t: number): number {
    for (const s of this.segments) {
      if (t < s.t1) {
        if (s.t1 === Infinity || t <= s.t0) return t <= s.t0 ? s.from : s.to;
        return s.from + ((s.to - s.from) * (t - s.t0)) / (s.t1 - s.t0);
      }
    }
    return this.segments[this.segments.length - 1]!.to;
  }

  /** The highest level ever reached. */
  max(): number {
    return Math.max(...this.segments.map((s) => Math.max(s.from, s.to)));
  }
}
