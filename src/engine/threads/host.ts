import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { ClientLoadFigures } from '../../metrics/client-load.js';
import { forEachSample } from '../../metrics/sample-rows.js';
import type { Sample } from '../../metrics/sample.js';
import type { MetricsStore, ServiceRecord, ServiceStatus } from '../../metrics/store.js';
import type { LoadProfile, ServiceSpec } from '../../recipe/types.js';
import type { Logger } from '../../util/log.js';
import { workerScript } from '../../util/worker-script.js';
import type { LiveStats } from '../live.js';
import type { ServiceRunResult } from '../types.js';
import type { LiveSnapshot, ServiceThreadData, ToHost, ToThread } from './protocol.js';
import { scrubState } from '../../util/scrub.js';

export interface ThreadedRun {
  /** The service as launched (its endpoint filled in); its generators' shares run in the threads. */
  spec: ServiceSpec;
  /** Generator k's share of the service (launch/shard.ts), undefined when it has none. */
  shareOf(k: number): ServiceSpec | undefined;
  generators: number;
  store: MetricsStore;
  registryModule: string;
  benchmarkId: string;
  /** The service's record before any thread reported (name, type, backend, load as asked for). */
  base: ServiceRecord;
  /** The load as stored for the whole service. */
  load: unknown;
  stop: AbortSignal;
  graceMs: number;
  setupTimeoutMs: number | undefined;
  /** Service threads of the whole run at once (every parallel service's generators). */
  runThreads: number;
  log: Logger;
  /** The host's counters for the service, which the live display and Prometheus read. */
  live: LiveStats;
  /** Every measured sample, for the run's observers (the store gets the rows as packed). */
  onSample: ((s: Sample) => void) | undefined;
  /** Passes the run's gate (start: every setup done; end: every load done), at most once each. */
  passGate(gate: 'start' | 'end'): Promise<void>;
}

const PHASES: LiveStats['phase'][] = ['setup', 'warmup', 'measuring', 'draining', 'teardown', 'failed', 'done'];
const STATUS_ORDER: ServiceStatus[] = ['failed', 'partial', 'running', 'complete', 'skipped'];

/** Client ids one generator can use: its closed-loop clients, or its open loop's in-flight cap. */
export function clientSpan(load: LoadProfile): number {
  if (load.mode === 'open') return load.maxInFlight;
  return Math.ceil(Math.max(load.clients, ...load.stages.map((s) => s.target)));
}

/** The service's record from its generators' (counters add, the window spans them all, the worst status wins). */
function mergeRecords(records: ServiceRecord[], load: unknown): ServiceRecord {
  const first = records[0]!;
  if (records.length === 1) return { ...first, load };
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const starts = defined(records.map((r) => r.windowStart));
  const ends = defined(records.map((r) => r.windowEnd));
  const issues = defined(records.map((r) => r.issueEnd));
  const sum = (k: 'scheduled' | 'dropped' | 'warmupRequests' | 'cancelled') => records.reduce((a, r) => a + (r[k] ?? 0), 0);
  const errors = [...new Set(records.map((r) => r.error).filter((e): e is string => !!e))];
  return {
    ...first,
    load,
    status: STATUS_ORDER.find((s) => records.some((r) => r.status === s)) ?? first.status,
    error: errors.length ? errors.join('; ') : undefined,
    windowStart: starts.length ? Math.min(...starts) : undefined,
    windowEnd: ends.length ? Math.max(...ends) : undefined,
    issueEnd: issues.length ? Math.max(...issues) : undefined,
    scheduled: sum('scheduled'),
    dropped: sum('dropped'),
    warmupRequests: sum('warmupRequests'),
    cancelled: sum('cancelled'),
    loadPhase: records.find((r) => r.loadPhase !== undefined)?.loadPhase,
  };
}

function mergeLive(live: LiveStats, snaps: LiveSnapshot[]): void {
  if (snaps.length === 0) return;
  live.phase = PHASES[Math.min(...snaps.map((s) => PHASES.indexOf(s.phase)))] ?? live.phase;
  live.inFlight = snaps.reduce((a, s) => a + s.inFlight, 0);
  live.issued = snaps.reduce((a, s) => a + s.issued, 0);
  live.dropped = snaps.reduce((a, s) => a + s.dropped, 0);
  live.warmupRequests = snaps.reduce((a, s) => a + s.warmupRequests, 0);
  const starts = snaps.map((s) => s.windowStart).filter((x): x is number => x !== undefined);
  live.windowStart = starts.length ? Math.min(...starts) : undefined;
  live.plannedMs = snaps[0]!.plannedMs;
}

/** A thread's environment: it must not start, or attach to, a service the host already launched. */
function threadEnv(): NodeJS.ProcessEnv {
  const { AIFB_ATTACH: _a, AIFB_SLURM_SERVICES: _s, ...env } = process.env;
  return env;
}

/**
 * Runs one service on threads of its own: one per generator (`generators: N`, else one),
 * each an event loop that does nothing but that service's arrivals, sends and stamps
 * (entry.ts). Their rows come here as packed blocks and go into the run's one store and
 * to the run's observers as they come, once each; their service records are combined
 * into one. The threads pass the run's gates together.
 */
export async function runInThreads(r: ThreadedRun): Promise<ServiceRunResult> {
  const shares = Array.from({ length: r.generators }, (_, k) => ({ k, spec: r.shareOf(k) })).filter((s): s is { k: number; spec: ServiceSpec } => s.spec !== undefined);
  if (shares.length === 0) shares.push({ k: 0, spec: { ...r.spec, fields: { ...r.spec.fields, generators: 1 } } });
  if (shares.length > 1) r.log.info(`${r.spec.name}: ${shares.length} load generators (worker threads, an event loop each) share the load`);
  const origin = { ...r.store.origin, timeOrigin: performance.timeOrigin };
  const { script, ...how } = workerScript(import.meta.url, 'entry');
  const records: (ServiceRecord | undefined)[] = [];
  const snaps: (LiveSnapshot | undefined)[] = [];
  const results: (ServiceRunResult | undefined)[] = [];
  const arrived = { start: 0, end: 0 };
  const threads: { k: number; port: MessagePort; worker: Worker; error: string; exited: Promise<void>; gates: Set<string> }[] = [];
  const sendAll = (m: ToThread) => threads.forEach((t) => t.port.postMessage(m));
  const arrive = (t: (typeof threads)[number], gate: 'start' | 'end') => {
    if (t.gates.has(gate)) return;
    t.gates.add(gate);
    if (++arrived[gate] < threads.length) return;
    void r.passGate(gate).then(() => sendAll({ t: 'open', gate }));
  };
  let offset = 0;
  for (const { k, spec } of shares) {
    const { port1, port2 } = new MessageChannel();
    const taken = new Int32Array(new SharedArrayBuffer(4));
    const { launcher: _launched, ...fields } = spec.fields;
    const data: ServiceThreadData = {
      spec: { ...spec, fields },
      generator: k,
      benchmarkId: r.benchmarkId,
      registryModule: r.registryModule,
      origin,
      clientOffset: offset,
      // Threads that poll keep a core each while they do: only while there is a core for each.
      poll: r.runThreads <= availableParallelism(),
      graceMs: r.graceMs,
      scrub: scrubState(),
      setupTimeoutMs: r.setupTimeoutMs,
      port: port2,
      taken,
    };
    offset += clientSpan(spec.load);
    const worker = new Worker(script, { ...how, workerData: data, transferList: [port2], env: threadEnv() });
    const t = { k, port: port1, worker, error: '', exited: Promise.resolve(), gates: new Set<string>() };
    // Done when the thread has exited and its port has delivered everything it sent.
    const exited = new Promise<void>((done) => {
      worker.on('error', (e) => (t.error ||= e.message));
      worker.on('exit', () => {
        // A thread that died cannot hold the others at a gate.
        arrive(t, 'start');
        arrive(t, 'end');
        done();
      });
    });
    t.exited = Promise.all([exited, new Promise<void>((done) => port1.once('close', () => done()))]).then(() => undefined);
    const prefix = shares.length > 1 ? `generator ${k}: ` : '';
    port1.on('message', (m: ToHost) => {
      switch (m.t) {
        case 'rows': {
          // Observers first: once committed, the blocks go back to the thread, which reuses them.
          for (const b of m.blocks) forEachSample(b, origin.originMs, (s) => {
            r.live.completed++;
            if (!s.ok) r.live.failed++;
            r.live.latency.record(s.end - s.intendedStart);
            r.live.scheduleLag.record(s.actualStart - s.intendedStart);
            r.onSample?.(s);
          });
          r.store.appendBlocks(m.blocks, (committed) => {
            Atomics.add(taken, 0, m.rows);
            Atomics.notify(taken, 0);
            if (committed) port1.postMessage({ t: 'free', nums: m.blocks.map((b) => b.nums) } satisfies ToThread);
          });
          break;
        }
        case 'service':
          records[k] = m.record;
          r.store.saveService(mergeRecords(records.filter((x): x is ServiceRecord => x !== undefined), r.load));
          break;
        case 'client':
          r.store.saveClientLoad(m.service, k, m.figures as ClientLoadFigures);
          break;
        case 'gate':
          arrive(t, m.gate);
          break;
        case 'live':
          snaps[k] = m.live;
          mergeLive(r.live, snaps.filter((x): x is LiveSnapshot => x !== undefined));
          break;
        case 'log':
          r.log[m.level](prefix + m.msg);
          break;
        case 'done':
          results[k] = m.result;
          break;
      }
    });
    threads.push(t);
  }
  const forward = () => sendAll({ t: 'stop' });
  if (r.stop.aborted) forward();
  else r.stop.addEventListener('abort', forward, { once: true });
  await Promise.all(threads.map((t) => t.exited));
  r.stop.removeEventListener('abort', forward);
  const all = threads.map((t) => results[t.k] ?? { name: r.spec.name, status: 'failed' as const, error: `service thread ${t.k} ended without a result${t.error ? `: ${t.error}` : ''}` });
  const errors = [...new Set(all.map((x) => x.error).filter((e): e is string => !!e))];
  const status = STATUS_ORDER.find((s) => all.some((x) => x.status === s)) ?? 'failed';
  if (all.some((x) => !results.includes(x))) {
    const known = records.filter((x): x is ServiceRecord => x !== undefined);
    r.store.saveService({ ...(known.length ? mergeRecords(known, r.load) : r.base), status: 'failed', error: errors.join('; ') });
  }
  return { name: r.spec.name, status: status === 'running' ? 'failed' : status, ...(errors.length ? { error: errors.join('; ') } : {}), ...(all.some((x) => x.badInput) ? { badInput: true } : {}) };
}
