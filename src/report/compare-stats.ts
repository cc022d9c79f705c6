/** Rank statistics for `aifb compare`, with no dependency. */

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export interface RankTest {
  /** U of the first sample. */
  u: number;
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** P(b > a) + ½·P(b = a): 0.5 means no shift; the common-language effect size. */
  probabilityGreater: number;
}

/**
 * Mann–Whitney U test (two-sided), normal approximation with the tie correction and a
 * continuity correction; fine from about 8 values per side, which callers enforce.
 */
export function mannWhitney(a: readonly number[], b: readonly number[]): RankTest {
  const n1 = a.length;
  const n2 = b.length;
  const all = [...a.map((v) => [v, 0] as const), ...b.map((v) => [v, 1] as const)].sort((x, y) => x[0] - y[0]);
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]![0] === all[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]![1] === 0) rankSumA += rank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const probabilityGreater = 1 - u / (n1 * n2);
  if (variance <= 0) return { u, z: 0, p: 1, probabilityGreater };
  const diff = u - mean;
  const z = (diff - Math.sign(diff) * 0.5) / Math.sqrt(variance);
  return { u, z, p: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))), probabilityGreater };
}
