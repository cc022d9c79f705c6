/** Parsing of the human units recipes use: durations and byte sizes. */

const DURATION_UNITS: Record<string, number> = {
  us: 0.001,
  'µs': 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

export const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|min|m|h)\s*$/;

/** A number is seconds (as in the seed's recipes); a string carries its unit: `500ms`, `5s`, `2m`. */
export function parseDurationMs(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  const hms = /^\s*(\d+):(\d{2}):(\d{2})\s*$/.exec(value);
  if (hms) return (Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3])) * 1000;
  const m = DURATION_PATTERN.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * (DURATION_UNITS[m[2]!] ?? NaN);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

export const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i;

/**
 * Sizes such as `4KB`, `1MiB`, `64MB` or a plain byte count. KB and KiB both mean
 * 1024 bytes, as in fio and the storage tools users compare with.
 */
export function parseSizeBytes(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = SIZE_PATTERN.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) return undefined;
  return Math.round(Number(m[1]) * factor);
}

/** Human-readable duration from milliseconds, picking µs, ms or s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 10) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

/** Human-readable byte count (binary units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)}${units[i]}`;
}
