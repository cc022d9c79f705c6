import type { MetricUnit } from '../recipe/thresholds.js';
import type { SessionsTally, TallyDeclaration } from '../metrics/declaration.js';

/** Numbers for people: three significant digits, the unit picked to fit. */

const three = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A duration in seconds as µs, ms or s (e.g. 850µs, 3.64ms, 12.3ms, 1.20s). */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const ms = seconds * 1000;
  // Round first so 999.7µs reads 1.00ms rather than 1000µs.
  if (Number(three(ms * 1000)) < 1000) return `${three(ms * 1000)}µs`;
  if (Number(three(ms)) < 1000) return `${three(ms)}ms`;
  return `${three(seconds)}s`;
}

export const fmtMs = (ms: number | null | undefined) => fmtDuration(ms === null || ms === undefined ? ms : ms / 1000);

/** Bytes in binary units (B, KiB, MiB, GiB, TiB). */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (Number(three(v)) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${three(v)} ${units[i]}`;
}

/** A request rate: one decimal below 10 000/s, whole numbers above. */
export const fmtRate = (perSecond: number | null | undefined) =>
  perSecond === null || perSecond === undefined || !Number.isFinite(perSecond) ? '-' : perSecond >= 10_000 ? perSecond.toFixed(0) : perSecond.toFixed(1);

/** A fraction (0–1) as a percentage with sensible precision. */
export function fmtPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '-';
  const p = fraction * 100;
  return p === 0 ? '0%' : p < 0.1 ? `${p.toPrecision(2)}%` : `${p.toFixed(p < 10 ? 2 : 1)}%`;
}

/** A threshold metric's value in its unit. */
export function fmtMetric(value: number | null, unit: MetricUnit): string {
  if (value === null) return 'no data';
  if (unit === 'ms') return fmtMs(value);
  if (unit === 'ratio') return fmtPercent(value);
  if (unit === 'rate') return `${fmtRate(value)}/s`;
  return String(value);
}

/** A signed relative change, e.g. +12.3% or −4.0%. */
export function fmtChange(rel: number | null): string {
  if (rel === null || !Number.isFinite(rel)) return '-';
  const p = rel * 100;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p) >= 100 ? Math.abs(p).toFixed(0) : Math.abs(p).toFixed(1)}%`;
}

/**
 * A tally in words, from what the report holds at each path (`at`): which counts are
 * whose ("input from server (50), estimate (2); output: none"), or a share ("12 of 480
 * token gaps (2.5 %) are 0 ms: …"). Undefined when there is nothing to say, and for
 * sessions, which are a table.
 */
export function tallyLine(t: TallyDeclaration, at: (path: string) => unknown): string | undefined {
  if (t.kind === 'sessions') return undefined;
  if (t.kind === 'sources') {
    const counts = at(t.reportAs) as Record<string, Record<string, number>> | undefined;
    const side = ([key, m]: [string, Record<string, number>]) => {
      const e = Object.entries(m).sort((a, b) => b[1] - a[1]);
      return e.length ? `${key} from ${e.map(([k, n]) => `${k} (${n})`).join(', ')}` : `${key}: none`;
    };
    return counts && Object.entries(counts).map(side).join('; ');
  }
  const part = at(t.reportAs) as number | undefined;
  if (!part) return undefined;
  const whole = (at(t.wholeAs) as number | undefined) ?? 0;
  const pct = whole ? ` (${((part / whole) * 100).toFixed(1)} %)` : '';
  return `${part} of ${whole} ${t.unit}${pct} ${t.text}`;
}

/** How a session tally's sessions ended, in its words ("3 complete, 0 after a failed turn"). */
export function endsText(t: SessionsTally, ended: Record<string, number>): string {
  return Object.entries(t.ends).map(([k, words]) => `${ended[k] ?? 0} ${words}`).join(', ');
}
