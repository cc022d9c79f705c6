import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ClientLoadFigures } from '../metrics/client-load.js';
import type { Distribution } from '../metrics/distribution.js';
import { pollingMs } from '../util/turn-poller.js';

/** The delay monitor's timer period (ms): fine enough to see a few-ms stall, cheap at 200 timers/s. */
const DELAY_RESOLUTION_MS = 5;

/** CPU time of the calling thread in ms (Linux), else undefined. */
function threadCpuMs(): number | undefined {
  try {
    // The first field is the time the thread has run on a CPU, in ns.
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Watches the calling thread while it drives a load: event-loop utilisation, event-loop
 * delay and CPU time, from `watchClientLoad()` to `stop()`. On a thread shared by
 * several services (one-thread runs) the figures are the thread's, shared by them all.
 */
export function watchClientLoad(thread: ClientLoadFigures['thread']): { stop(lag: Distribution, requests: number): ClientLoadFigures } {
  const elu = performance.eventLoopUtilization();
  const polled = pollingMs();
  const cpuThread = threadCpuMs();
  const cpuProcess = processCpuMs();
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  const started = performance.now();
  return {
    stop(lag, requests) {
      delay.disable();
      const d = performance.eventLoopUtilization(elu);
      const total = d.idle + d.active;
      const busy = total > 0 ? Math.max(0, d.active - (pollingMs() - polled)) / total : 0;
      const threadNow = cpuThread === undefined ? undefined : threadCpuMs();
      const cpuMs = threadNow !== undefined && cpuThread !== undefined ? threadNow - cpuThread : processCpuMs() - cpuProcess;
      // An empty histogram (a load shorter than one period) reads as NaN or a huge minimum.
      const ms = (ns: number) => (Number.isFinite(ns) && delay.count > 0 ? ns / 1e6 : 0);
      const lagP99 = lag.count > 0 ? lag.percentileMs(99) : null;
      return {
        thread,
        wallSeconds: (performance.now() - started) / 1000,
        eventLoopUtilization: d.utilization,
        eventLoopBusy: busy,
        delayP50Ms: ms(delay.percentile(50)),
        delayP99Ms: ms(delay.percentile(99)),
        delayMaxMs: ms(delay.max),
        cpuSeconds: cpuMs / 1000,
        cpuScope: threadNow !== undefined ? 'thread' : 'process',
        scheduleLagP99Ms: lagP99,
        requests,
      };
    },
  };
}
