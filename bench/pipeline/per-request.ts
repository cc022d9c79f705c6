/**
 * aifb's own CPU per request, part by part, with a backend that answers in a later
 * macrotask as a socket read would (8 closed-loop clients):
 *   node --import tsx bench/pipeline/per-request.ts [--seconds 3] [--rounds 3]
 * Rows: the bare loop of the same awaits; the engine with the store's append cut out; the
 * engine and the store (rows packed, committed by the writer thread); all of it with the
 * report's aggregates kept by the writer thread; and as `aifb run` does it, the rows spooled
 * during the load and expanded after it. CPU is the whole process's (`process.cpuUsage`:
 * every thread) from the first sample stored to the last, per request: what aifb takes
 * during the measured window from a server on the same machine (docs/performance.md,
 * PostgreSQL); the spool's expansion after the window is left out, as it is from the run's figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { DEFAULT_SPOOL_ROWS } from '../../src/metrics/spool.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import type { BackendDefinition } from '../../src/services/contract.js';
import { BackendRegistry } from '../../src/services/registry.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { printTable, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);
const CLIENTS = 8;

const answerLater = () => new Promise<{ ok: boolean; bytesIn: number }>((r) => setImmediate(() => r({ ok: true, bytesIn: 10 })));
const laterBackend: BackendDefinition = {
  serviceTypes: ['later'], isDefault: true, description: 'answers in the next macrotask', fields: {}, operations: ['op'], defaultMix: { op: 1 },
  load: async () => ({ createAdapter: () => ({ async setup() {}, prepare: () => undefined, execute: answerLater, async teardown() {} }) }),
};
const registry = new BackendRegistry([laterBackend]);

type Mode = 'bare loop' | 'engine' | 'engine + store' | 'engine + store + aggregates' | 'as aifb run (spooled)';

/** Requests made and the CPU (µs, every thread) they took, in the window. */
async function requests(mode: Mode): Promise<{ n: number; cpu: number }> {
  if (mode === 'bare loop') {
    let n = 0;
    const before = process.cpuUsage();
    const end = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        await answerLater();
        n++;
      }
    }));
    const used = process.cpuUsage(before);
    return { n, cpu: used.user + used.system };
  }
  const dir = mkdtempSync(join(tmpdir(), 'aifb-per-request-'));
  try {
    const plan = loadRecipeText(`services:\n  - {service_name: s, service_type: later, duration: ${seconds}s, load: {clients: ${CLIENTS}, warmup: 0s}}\n`, 'r.yaml', { registry, env: {} });
    const spooled = mode === 'as aifb run (spooled)';
    const store = new MetricsStore(join(dir, 'run.db'), { background: true, aggregates: spooled || mode === 'engine + store + aggregates', ...(spooled ? { spool: DEFAULT_SPOOL_ROWS } : {}) });
    let n = 0;
    let first: NodeJS.CpuUsage | undefined;
    let last: { at: NodeJS.CpuUsage; n: number } | undefined;
    const append = store.append.bind(store);
    store.append = (s) => {
      // The window: from the first sample to the last 1,024th (a CPU reading per request would cost more than the parts measured).
      if (n % 1024 === 0) {
        const at = process.cpuUsage();
        first ??= at;
        last = { at, n };
      }
      n++;
      if (mode !== 'engine') append(s);
    };
    const clock = systemClock();
    store.beginRun({ benchmarkId: 'b', name: 'b', description: undefined, recipeFile: '-', recipeText: '', recipeHash: '', provenance: collectProvenance() }, clock.now(), (m) => clock.wallAt(m));
    await runBenchmark(plan, { benchmarkId: 'b', registry, store, clock, log: createLogger('warn', () => {}), stop: new AbortController().signal, maxWorkers: 1, sequential: true });
    store.close();
    return { n: last!.n, cpu: last!.at.user + last!.at.system - first!.user - first!.system };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const modes: Mode[] = ['bare loop', 'engine', 'engine + store', 'engine + store + aggregates', 'as aifb run (spooled)'];
const cpu = new Map<Mode, number[]>(modes.map((m) => [m, []]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const m of modes) {
    const { n, cpu: used } = await requests(m);
    cpu.get(m)!.push(used / n);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: (string | number)[][] = [['part', 'CPU µs per request (median)', 'range', 'added by the part']];
let previous = 0;
for (const m of modes) {
  const xs = cpu.get(m)!;
  const mid = median(xs);
  // The spooled row is set against the engine + store row: it replaces the writer's inserts and aggregates in the window.
  const base = m === 'as aifb run (spooled)' ? median(cpu.get('engine + store')!) : previous;
  rows.push([m, mid.toFixed(2), `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`, base ? `${mid >= base ? '+' : ''}${(mid - base).toFixed(2)}` : '']);
  previous = mid;
}
printTable(rows);
writeResult('per-request', { seconds, rounds: Number(values.rounds), clients: CLIENTS, cpu_us_per_request: Object.fromEntries(cpu) });
