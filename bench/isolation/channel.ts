/**
 * Thread generators: shard databases merged at the end (launch/generators.ts, the way
 * before issue 17) against the direct channel to the run's one store (engine/threads).
 *   node --import tsx bench/isolation/channel.ts [--requests 200000] [--generators 2]
 * The same http load on a Node server in its own process, both ways, one after the
 * other: throughput, the time the whole run took beyond its load (threads' start-up,
 * merging, the report), peak RSS of
 * the aifb process (its threads included). Not part of `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { runLocalGenerators } from '../../src/launch/generators.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { loadRecipeFile } from '../../src/recipe/load.js';
import { buildReport } from '../../src/report/build.js';
import { builtinRegistry, CATALOG_MODULE } from '../../src/services/catalog.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { freePort, printTable, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, generators: { type: 'string', default: '2' } } });
const port = await freePort();
const server = spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('hello\\n')).listen(${port}, '127.0.0.1')`], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const dir = tempDir('aifb-channel-');
const file = join(dir, 'r.yaml');
writeFileSync(file, `services:\n  - {service_name: web, service_type: http, url: 'http://127.0.0.1:${port}/', generators: ${values.generators}, load: {clients: 16, requests: ${values.requests}}}\n`);
const log = createLogger('error');

let runs = 0;
async function once(kind: 'shards' | 'direct') {
  const store = new MetricsStore(join(dir, `${kind}-${++runs}.db`), { background: true, aggregates: true });
  const clock = systemClock();
  store.beginRun({ benchmarkId: kind, name: kind, description: undefined, recipeFile: file, recipeText: '', recipeHash: '', provenance: collectProvenance() }, clock.now(), (m) => clock.wallAt(m));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const stop = new AbortController().signal;
  const t0 = performance.now();
  if (kind === 'shards') {
    const spec = loadRecipeFile(file, { registry: builtinRegistry, env: process.env }).services[0]!;
    store.flush();
    await runLocalGenerators(spec, { benchmarkId: kind, db: store.db, recipeFile: file, logsDir: join(dir, 'logs'), log, stop });
  } else {
    const plan = loadRecipeFile(file, { registry: builtinRegistry, env: process.env });
    await runBenchmark(plan, { benchmarkId: kind, registry: builtinRegistry, registryModule: CATALOG_MODULE, store, clock, log, stop, maxWorkers: 1, sequential: true });
  }
  store.finishRun('complete', clock.now());
  store.saveAggregates();
  const report = buildReport(store.db, kind, new Date(), undefined, true);
  const done = performance.now();
  clearInterval(sampler);
  store.close();
  const web = report.services.web!;
  return { kind, rps: web.throughput.requests_per_second, requests: web.requests.total, total_s: (done - t0) / 1000, report_s: (done - t0) / 1000 - web.requests.total / web.throughput.requests_per_second, peak_rss_mb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20 };
}

const results = [await once('shards'), await once('direct'), await once('shards'), await once('direct')];
server.kill();
printTable([['way', 'requests', 'req/s', 'whole run s', 'beyond the load s', 'peak RSS MB'], ...results.map((r) => [r.kind, r.requests, r.rps.toFixed(0), r.total_s.toFixed(2), r.report_s.toFixed(2), r.peak_rss_mb.toFixed(0)])]);
writeResult('isolation-channel', results);
