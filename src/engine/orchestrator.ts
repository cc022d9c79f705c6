import { setMaxListeners } from 'node:events';
import { AifbError, RunError } from '../errors.js';
import { MetricsStore, type ServiceStatus } from '../metrics/store.js';
import type { Plan, ServiceSpec } from '../recipe/types.js';
import type { Adapter, BackendDefinition } from '../services/contract.js';
import { fieldsOf, serviceOf } from '../services/fields.js';
import type { Sample } from '../metrics/sample.js';
import { createRng } from '../util/rng.js';
import { MSG } from '../messages.js';
import { LiveStats } from './live.js';
import type { BenchmarkOptions, BenchmarkResult, Gate, LaunchedService, ServiceRunResult } from './types.js';
import { ServiceRunner } from './runner.js';
import { runSteps } from './steps.js';
import { StartGate } from './gate.js';
import { watchClientLoad } from './client-load.js';
import { serverWatchFor } from './server-watch.js';
import { runInThreads } from './threads/host.js';

export type { BenchmarkOptions, BenchmarkResult, Gate, LaunchedService, RunObserver, ServiceLauncher, ServiceRunResult, ServiceStore } from './types.js';

/**
 * The load profile as stored with the run (what was asked for), with what the backend
 * declared for the report: its metrics and tallies, and each operation's knobs.
 */
export function describeLoad(spec: ServiceSpec, def?: BackendDefinition): Record<string, unknown> {
  const params = def?.operationParams && def.operationParams(fieldsOf(def.fields, spec.fields));
  return { ...spec.load, slo: spec.slo, ...(def?.metrics ? { metrics: def.metrics } : {}), ...(def?.tallies ? { tallies: def.tallies } : {}), ...(params ? { operation_params: params } : {}) };
}

/**
 * Runs every service of a plan: in parallel (at most `maxWorkers` at once) or one
 * after another. A service that fails is recorded and the others go on.
 */
export async function runBenchmark(plan: Plan, options: BenchmarkOptions): Promise<BenchmarkResult> {
  const o = { launch: { logsDir: plan.global.logsDir, recipeFile: plan.sourceFile, overrides: plan.overrideList }, ...options };
  // Every service's setup, schedule and closed-loop client waits on the run's one stop
  // signal, so it stops at once: a listener each is the design, not a leak, and Node's
  // default limit of 10 warned on every quickstart run (MaxListenersExceededWarning).
  setMaxListeners(0, o.stop);
  const queue = [...plan.services];
  const results: ServiceRunResult[] = [];
  const width = o.sequential ? 1 : Math.max(1, Math.min(o.maxWorkers, queue.length));
  // When every service starts at once, their loads start together, after all setups.
  const together = width > 1 && width === queue.length;
  const gate = together ? new StartGate(queue.length) : undefined;
  const endGate = together ? new StartGate(queue.length) : undefined;
  const parallel = width > 1;
  // Services at once × their generators (the widest services, if not all run at once).
  const generatorsOf = (s: ServiceSpec) => o.launcher?.generators(s).count ?? 1;
  const runThreads = parallel || plan.services.some((s) => generatorsOf(s) > 1)
    ? plan.services.map((s) => (parallel || generatorsOf(s) > 1 ? generatorsOf(s) : 0)).sort((a, b) => b - a).slice(0, width).reduce((a, b) => a + b, 0)
    : 0;
  const worker = async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      if (spec.steps) {
        void gate?.arrive();
        void endGate?.arrive();
        results.push(await runSteps(spec, { ...o, parallel, runThreads, startGate: undefined, endGate: undefined }, runOne));
      } else results.push(await runOne(spec, { ...o, parallel, runThreads, startGate: gate, endGate }));
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  const ordered = plan.services.map((s) => results.find((r) => r.name === s.name)!);
  const status = o.stop.aborted
    ? 'partial'
    : ordered.every((r) => r.status === 'complete')
      ? 'complete'
      : 'failed';
  return { status, services: ordered, badInput: ordered.some((r) => r.badInput) };
}

/** Runs one service (or one step of a sweep): setup, load, teardown, records. */
export async function runOne(spec: ServiceSpec, o: BenchmarkOptions): Promise<ServiceRunResult> {
  const log = o.log.child(spec.name);
  const passed = new Set<Gate>();
  const wait = async (gate: Gate | undefined) => {
    if (!gate || passed.has(gate)) return;
    passed.add(gate);
    const opened = gate.arrive();
    if (o.stop.aborted) return;
    await Promise.race([opened, new Promise<void>((r) => o.stop.addEventListener('abort', () => r(), { once: true }))]);
  };
  const arrive = () => wait(o.startGate);
  const def = o.registry.resolve(spec.type, spec.backend);
  const base = { serviceName: spec.name, serviceType: spec.type, backend: spec.backend, load: describeLoad(spec, def), step: spec.step };
  if (o.stop.aborted) {
    void arrive();
    void wait(o.endGate);
    o.store.saveService({ ...base, status: 'skipped', error: 'run interrupted before this service started' });
    return { name: spec.name, status: 'skipped', error: 'run interrupted before this service started' };
  }
  const live = new LiveStats();
  const observers = o.observers ?? [];
  for (const ob of observers) ob.serviceStarted?.(spec, live);
  const sampleObservers = observers.filter((ob) => ob.sample);
  const onSample =
    sampleObservers.length === 0
      ? (s: Sample) => o.store.append(s)
      : (s: Sample) => {
          o.store.append(s);
          for (const ob of sampleObservers) ob.sample!(spec, s);
        };
  const end = (r: ServiceRunResult): ServiceRunResult => {
    for (const ob of observers) ob.serviceEnded?.(spec, r, live);
    return r;
  };
  o.store.saveService({ ...base, status: 'running' });
  const rng = createRng(spec.seed).fork(spec.name);
  let adapter: Adapter | undefined;
  let launched: LaunchedService | undefined;
  let serverWatch: ReturnType<typeof serverWatchFor> | undefined;
  let failed = false;
  try {
    if (!def) throw new RunError(MSG.noBackend(spec.type, spec.backend, o.registry.describe()));
    // A recipe `launcher` starts the service first; the adapter is pointed at where it came up.
    launched = await o.launcher?.launch(spec, def, { log, logsDir: o.launch?.logsDir ?? 'logs', signal: o.stop });
    const served = launched?.spec ?? spec;
    const service = serviceOf(def.fields, served);
    const source = o.serverMetrics ? def.serverMetrics?.(service.fields) : undefined;
    if (source && o.store instanceof MetricsStore) serverWatch = serverWatchFor(source, o.clock, () => live.phase, (w) => (o.store as MetricsStore).saveServerMetrics(spec.name, w));
    const { count: generators, kind } = o.launcher?.generators(served) ?? { count: 1, kind: 'thread' };
    const threadable = o.store instanceof MetricsStore && o.registryModule !== undefined && kind === 'thread';
    if (threadable && (generators > 1 || (o.parallel && o.threads !== 'one'))) {
      return end(
        await runInThreads({
          spec: served,
          shareOf: (k) => (o.launcher ? o.launcher.share(served, k) : k === 0 ? served : undefined),
          generators,
          store: o.store as MetricsStore,
          registryModule: o.registryModule!,
          benchmarkId: o.benchmarkId,
          base: { ...base, status: 'running' },
          load: generators > 1 ? { ...describeLoad(spec, def), generators } : describeLoad(spec, def),
          stop: o.stop,
          graceMs: o.graceMs ?? 5000,
          setupTimeoutMs: o.setupTimeoutMs,
          runThreads: Math.max(o.runThreads ?? 0, generators),
          // The thread's own logger already names the service.
          log: o.log,
          live,
          onSample: sampleObservers.length ? (s) => sampleObservers.forEach((ob) => ob.sample!(spec, s)) : undefined,
          passGate: async (g) => {
            if (g === 'end') await serverWatch?.stop();
            await wait(g === 'start' ? o.startGate : o.endGate);
            if (g === 'start') serverWatch?.start();
          },
        }),
      );
    }
    if (generators > 1) {
      if (!(o.store instanceof MetricsStore) || !o.launcher) throw new RunError(`${spec.name}: generators need the run's metrics store`);
      void arrive();
      serverWatch?.start();
      const r = await o.launcher.runGenerators(served, launched, { ...o, store: o.store }, log);
      await serverWatch?.stop();
      return end(r);
    }
    adapter = (await def.load()).createAdapter(service);
    const setupSignal = AbortSignal.any([o.stop, AbortSignal.timeout(o.setupTimeoutMs ?? 300_000)]);
    await adapter.setup({ benchmarkId: o.benchmarkId, rng: rng.fork('setup'), log, signal: setupSignal });
    const loadPhase = adapter.loadPhase;
    if (loadPhase !== undefined) o.store.saveService({ ...base, status: 'running', loadPhase });
    await arrive();
    const resolved = adapter.resolvedMix?.();
    const runner = new ServiceRunner({
      spec: resolved ? { ...spec, mix: [...resolved] } : spec,
      adapter,
      clock: o.clock,
      rng: rng.fork('load'),
      onSample,
      stop: o.stop,
      graceMs: o.graceMs ?? 5000,
      live,
    });
    const watch = watchClientLoad(o.thread?.kind ?? 'main');
    serverWatch?.start();
    const outcome = await runner.run();
    await serverWatch?.stop();
    o.store.saveClientLoad(spec.name, o.thread?.generator ?? 0, watch.stop(live.scheduleLag, live.completed));
    const status: ServiceStatus = outcome.interrupted ? 'partial' : 'complete';
    o.store.saveService({ ...base, status, ...outcome, warmupRequests: outcome.warmupRequests });
    live.phase = 'done';
    return end({ name: spec.name, status });
  } catch (err) {
    void arrive();
    failed = true;
    live.phase = 'failed';
    const badInput = err instanceof AifbError && err.kind === 'bad-input';
    const where = spec.position ? `${spec.position.file}:${spec.position.line}:${spec.position.column}: ` : '';
    const message = `${badInput ? where : ''}${err instanceof Error ? err.message : String(err)}`;
    log.error(message);
    o.store.saveService({ ...base, status: 'failed', error: message });
    return end({ name: spec.name, status: 'failed', error: message, badInput });
  } finally {
    await serverWatch?.stop();
    o.store.flush();
    void arrive();
    await wait(o.endGate);
    if (adapter) {
      try {
        await adapter.teardown({ benchmarkId: o.benchmarkId, log, failed: failed || o.stop.aborted });
      } catch (err) {
        log.error(`teardown failed: ${(err as Error).message}`);
      }
    }
    await launched?.stop();
  }
}
