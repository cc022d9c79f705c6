/**
 * aifb's own CPU per request, part by part, with a backend that answers in a later
 * macrotask as a socket read would (8 closed-loop clients):
 *   node --import tsx bench/pipeline/per-request.ts [--seconds 3] [--rounds 3]
 * Rows: the bare loop of the same awaits; the engine with the store's append cut out; the
 * engine and the store (rows packed, committed by the writer thread); all of it with the
 * report's aggregates kept by the writer thread, as `aifb run` does. CPU is the whole
 * process's (`process.cpuUsage`: every thread), per request. On a machine that also runs
 * the server under test, this is what aifb takes from it (docs/performance.md, PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { MetricsStore } from '../../src/metrics/store.js';
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

type Mode = 'bare loop' | 'engine' | 'engine + store' | 'engine + store + aggregates';

async function requests(mode: Mode): Promise<number> {
  if (mode === 'bare loop') {
    let n = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        await answerLater();
        n++;
      }
    }));
    return n;
  }
  const dir = mkdtempSync(join(tmpdir(), 'aifb-per-request-'));
  try {
    const plan = loadRecipeText(`services:\n  - {service_name: s, service_type: later, duration: ${seconds}s, load: {clients: ${CLIENTS}, warmup: 0s}}\n`, 'r.yaml', { registry, env: {} });
    const store = new MetricsStore(join(dir, 'run.db'), { background: true, aggregates: mode === 'engine + store + aggregates' });
    let n = 0;
    const append = store.append.bind(store);
    store.append = mode === 'engine' ? () => void n++ : (s) => (n++, append(s));
    const clock = systemClock();
    store.beginRun({ benchmarkId: 'b', name: 'b', description: undefined, recipeFile: '-', recipeText: '', recipeHash: '', provenance: collectProvenance() }, clock.now(), (m) => clock.wallAt(m));
    await runBenchmark(plan, { benchmarkId: 'b', registry, store, clock, log: createLogger('warn', () => {}), stop: new AbortController().signal, maxWorkers: 1, sequential: true });
    store.close();
    return n;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const modes: Mode[] = ['bare loop', 'engine', 'engine + store', 'engine + store + aggregates'];
const cpu = new Map<Mode, number[]>(modes.map((m) => [m, []]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const m of modes) {
    const before = process.cpuUsage();
    const n = await requests(m);
    const used = process.cpuUsage(before);
    cpu.get(m)!.push((used.user + used.system) / n);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: (string | number)[][] = [['part', 'CPU µs per request (median)', 'range', 'added by the part']];
let previous = 0;
for (const m of modes) {
  const xs = cpu.get(m)!;
  const mid = median(xs);
  rows.push([m, mid.toFixed(2), `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`, previous ? `+${(mid - previous).toFixed(2)}` : '']);
  previous = mid;
}
printTable(rows);
writeResult('per-request', { seconds, rounds: Number(values.rounds), clients: CLIENTS, cpu_us_per_request: Object.fromEntries(cpu) });
