import { setTimeout as delay } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { RunObserver } from '../engine/orchestrator.js';
import { RunError } from '../errors.js';
import type { Logger } from '../util/log.js';
import type { MetricDeclaration } from '../metrics/declaration.js';
import type { ServiceSpec } from '../recipe/types.js';
import { BenchmarkCells } from './cells.js';
import { serveMetrics, type MetricsEndpoint } from './endpoint.js';
import { MetricsObserver } from './observer.js';
import { PushgatewayGroup } from './pushgateway.js';
import { createBenchmarkRegistry } from './registry.js';

export const DEFAULT_PUSH_INTERVAL_MS = 5000;

export interface LiveExportOptions {
  benchmarkId: string;
  /** Pushgateway base URL (`--pushgateway` or `global.pushgateway_url`); no pushes without it. */
  pushgatewayUrl?: string | undefined;
  pushIntervalMs?: number | undefined;
  /** Serve `/metrics` on this port during the run (0 = any free port); no endpoint when undefined. */
  metricsPort?: number | undefined;
  /** Address the endpoint listens on (default every interface, so a remote Prometheus can scrape). */
  metricsHost?: string | undefined;
  /** Leave the Pushgateway group after the run (`--keep-pushgateway-group`). */
  keepGroup?: boolean | undefined;
  /** p95 latency objective per service name, in seconds, for the SLO alert (default: the recipe's slo.e2el_ms). */
  latencySlos?: Readonly<Record<string, number>> | undefined;
  /**
   * After the final push, how long the group and endpoint stay so Prometheus scrapes the
   * final values before they go (default: the push interval, which is at least the shipped
   * scrape interval). Without it, the last seconds of a run would never reach Prometheus.
   */
  finalScrapeWaitMs?: number | undefined;
  /** The metrics each service's backend declares, exported as series of their own (none by default). */
  declarations?: ((spec: ServiceSpec) => readonly MetricDeclaration[]) | undefined;
  /** The engine's monotonic clock in ms (for the achieved rate); performance.now by default. */
  now?: (() => number) | undefined;
  log: Logger;
}

export interface LiveExport {
  /** Pass it in `runBenchmark`'s observers. */
  observer: RunObserver;
  /** The `/metrics` URL, when an endpoint was asked for. */
  url: string | undefined;
  /** The Pushgateway group URL, when pushing. */
  groupUrl: string | undefined;
  registry: Registry;
  /** Final push, then the group is deleted (unless kept) and the endpoint closed. Never throws. */
  finish(): Promise<void>;
}

/**
 * Exports a run's metrics while it runs: a scrape endpoint and/or periodic pushes to a
 * Pushgateway. Push failures are logged once and never stop the run: the database, not
 * Prometheus, is the record of a benchmark.
 */
export async function startLiveExport(o: LiveExportOptions): Promise<LiveExport> {
  const now = o.now ?? (() => performance.now());
  const cells = new BenchmarkCells(o.benchmarkId);
  const registry = createBenchmarkRegistry(cells, now);
  const observer = new MetricsObserver(cells, now, o.latencySlos, o.declarations);
  const log = o.log.child('monitoring');

  let endpoint: MetricsEndpoint | undefined;
  if (o.metricsPort !== undefined) {
    try {
      endpoint = await serveMetrics(registry, o.metricsPort, o.metricsHost);
    } catch (err) {
      throw new RunError(`cannot serve metrics on port ${o.metricsPort}: ${(err as Error).message}`, { cause: err });
    }
    log.info(`metrics endpoint: ${endpoint.url}`);
  }

  const intervalMs = Math.max(100, o.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS);
  // An unreachable Pushgateway may hold the end of the run for at most two timeouts.
  const timeoutMs = Math.min(10_000, Math.max(2000, intervalMs));
  const group = o.pushgatewayUrl ? new PushgatewayGroup(o.pushgatewayUrl, o.benchmarkId, timeoutMs) : undefined;
  let failures = 0;
  let successes = 0;
  let inFlight: Promise<void> | undefined;
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
      successes++;
    } catch (err) {
      if (failures++ === 0) {
        log.warn(`pushgateway ${what} failed (the run goes on; further failures are not logged): ${(err as Error).message}`);
      }
    }
  };
  const pushNow = (): Promise<void> => {
    // A slow Pushgateway must not pile up requests: skip a tick while one is pending.
    inFlight ??= attempt('push', () => group!.push(registry)).finally(() => (inFlight = undefined));
    return inFlight;
  };
  let timer: NodeJS.Timeout | undefined;
  if (group) {
    log.info(`pushing metrics every ${intervalMs / 1000}s to ${group.url}`);
    void pushNow();
    timer = setInterval(() => void pushNow(), intervalMs);
    timer.unref();
  }

  let finished: Promise<void> | undefined;
  const finish = () =>
    (finished ??= (async () => {
      cells.running = false;
      if (timer) clearInterval(timer);
      if (group) {
        await inFlight;
        await pushNow();
      }
      const wait = o.finalScrapeWaitMs ?? intervalMs;
      // Waiting only helps if something can be scraped: an endpoint, or a group that took pushes.
      if (wait > 0 && (endpoint || (group && !o.keepGroup && successes > 0))) {
        log.info(`keeping the final metrics up ${wait / 1000}s for Prometheus's last scrape`);
        await delay(wait);
      }
      // A group that never took a push does not exist: nothing to delete.
      if (group && !o.keepGroup && successes > 0) await attempt('delete', () => group.delete());
      else if (group && o.keepGroup) log.info(`kept the Pushgateway group ${group.url}`);
      await endpoint?.close();
    })());

  return { observer, url: endpoint?.url, groupUrl: group?.url, registry, finish };
}
