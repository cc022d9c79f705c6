import type { ServerMetricsSource, ServerReading } from '../../contract.js';
import { baseUrlText, parseHttpUrl } from '../../shared/endpoint.js';
import { parseDurationMs } from '../../../util/units.js';
import type { FieldsOf } from '../../fields.js';
import type { llmFields } from './fields.js';

const DEFAULT_INTERVAL_MS = 1000;

/**
 * The scrape source of an LLM service from its recipe's `server_metrics` key: off when it
 * is `false`, its `url` when given, else `defaultUrl(base)` from the service's base URL
 * (undefined when the backend's server has no metrics there).
 */
export function llmMetricsSource(
  service: FieldsOf<typeof llmFields>,
  defaultUrl: (base: URL) => string | undefined,
  read: (text: string) => ServerReading,
): ServerMetricsSource | undefined {
  const cfg = service.server_metrics;
  if (cfg === false) return undefined;
  const base = parseHttpUrl(baseUrlText(service) ?? '');
  const url = cfg?.url ?? (base ? defaultUrl(base) : undefined);
  if (!url) return undefined;
  const intervalMs = cfg?.interval !== undefined ? (parseDurationMs(cfg.interval) ?? DEFAULT_INTERVAL_MS) : DEFAULT_INTERVAL_MS;
  return { url, intervalMs, read };
}
