/**
 * A service thread: one service's load (or one generator's share of it) on an event loop
 * of its own, so no other service's work delays its stamps or timers (host.ts starts it).
 * It runs the service exactly as the run's own thread would (orchestrator runOne: setup,
 * the start gate, the load, the end gate, teardown), with the store, the gates, the live
 * counters and the log reaching the host through its port.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { BackendRegistry } from '../../services/registry.js';
import { setSleepPolling, systemClock } from '../../util/clock.js';
import type { Logger, LogLevel } from '../../util/log.js';
import type { LiveStats } from '../live.js';
import { runOne, type RunObserver, type ServiceRunResult } from '../orchestrator.js';
import type { LiveSnapshot, ServiceThreadData, ToHost, ToThread } from './protocol.js';
import { ThreadStore } from './sink.js';
import { adoptScrubState } from '../../util/scrub.js';

/** How often the live counters go to the host (its display redraws every 500 ms). */
const LIVE_EVERY_MS = 250;

const data = workerData as ServiceThreadData;
adoptScrubState(data.scrub);
setSleepPolling(data.poll);
const port: MessagePort = data.port;
const post = (m: ToHost) => port.postMessage(m);
const store = new ThreadStore(data, port);
const stop = new AbortController();
const opened: Record<'start' | 'end', () => void> = { start: () => {}, end: () => {} };

port.on('message', (m: ToThread) => {
  if (m.t === 'stop') stop.abort(new Error('run stopped'));
  else if (m.t === 'open') opened[m.gate]();
  else if (m.t === 'free') store.reuse(m.nums);
});

function remoteGate(gate: 'start' | 'end') {
  const open = new Promise<void>((r) => (opened[gate] = r));
  let arrived = false;
  return {
    arrive(): Promise<void> {
      if (!arrived) post({ t: 'gate', gate });
      arrived = true;
      return open;
    },
  };
}

function remoteLogger(prefix = ''): Logger {
  const at = (level: LogLevel) => (msg: string) => post({ t: 'log', level, msg: prefix ? `${prefix}: ${msg}` : msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (p) => remoteLogger(prefix ? `${prefix}/${p}` : p) };
}

function snapshot(live: LiveStats): LiveSnapshot {
  const { phase, inFlight, issued, dropped, warmupRequests, windowStart, plannedMs } = live;
  return { phase, inFlight, issued, dropped, warmupRequests, windowStart: windowStart === undefined ? undefined : store.hostTime(windowStart), plannedMs };
}

let liveTimer: NodeJS.Timeout | undefined;
const forwardLive: RunObserver = {
  serviceStarted(_spec, live) {
    liveTimer = setInterval(() => post({ t: 'live', live: snapshot(live) }), LIVE_EVERY_MS);
    liveTimer.unref();
  },
  serviceEnded(_spec, _result, live) {
    clearInterval(liveTimer);
    post({ t: 'live', live: snapshot(live) });
  },
};

let result: ServiceRunResult;
try {
  const registry = ((await import(data.registryModule)) as { registry: BackendRegistry }).registry;
  result = await runOne(data.spec, {
    benchmarkId: data.benchmarkId,
    registry,
    store,
    clock: systemClock(),
    log: remoteLogger(),
    stop: stop.signal,
    maxWorkers: 1,
    sequential: true,
    graceMs: data.graceMs,
    ...(data.setupTimeoutMs !== undefined ? { setupTimeoutMs: data.setupTimeoutMs } : {}),
    startGate: remoteGate('start'),
    endGate: remoteGate('end'),
    observers: [forwardLive],
    thread: { kind: 'service', generator: data.generator },
  });
} catch (err) {
  result = { name: data.spec.name, status: 'failed', error: `service thread: ${(err as Error).message}` };
}
store.flush();
clearInterval(liveTimer);
post({ t: 'done', result });
port.close();
