import { UsageError } from '../errors.js';
import { DEFAULT_PUSH_INTERVAL_MS } from './live-export.js';

/** `aifb run`'s monitoring flags, for its parseArgs options. */
export const LIVE_EXPORT_FLAGS = {
  'metrics-port': { type: 'string', arg: 'N', help: 'serve live metrics on http://<host>:N/metrics during the run (0 = any free port)' },
  'push-interval': { type: 'string', arg: 'S', help: 'seconds between Pushgateway pushes during the run (default 5)' },
  'keep-pushgateway-group': { type: 'boolean', help: "leave the run's Pushgateway group after the run (default: deleted)" },
} as const;

/** `--metrics-port`: undefined (no endpoint), or 0–65535. */
export function metricsPortArg(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--metrics-port expects a port 0-65535 (0 = any free one), got "${value}"`);
  return n;
}

/** `--push-interval` in seconds (fractions allowed, at least 0.1) → milliseconds. */
export function pushIntervalArg(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PUSH_INTERVAL_MS;
  const s = Number(value);
  if (!Number.isFinite(s) || s < 0.1) throw new UsageError(`--push-interval expects seconds (at least 0.1), got "${value}"`);
  return Math.round(s * 1000);
}
