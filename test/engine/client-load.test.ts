import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { buildReport } from '../../src/report/build.js';
import { renderSummary } from '../../src/report/terminal.js';
import { renderReportHtml } from '../../src/report/html/report-page.js';
import type { BackendDefinition } from '../../src/services/contract.js';
import { BackendRegistry } from '../../src/services/registry.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { tempDir } from '../helpers/cli.js';

// Answers at once, in a microtask: whatever limits the rate is aifb's own thread.
const nullBackend: BackendDefinition = {
  serviceTypes: ['nullsvc'], isDefault: true, description: 'does nothing', fields: {}, operations: ['op'], defaultMix: { op: 1 },
  load: async () => ({ createAdapter: () => ({ async setup() {}, prepare: () => undefined, execute: async () => ({ ok: true, bytesIn: 10 }), async teardown() {} }) }),
};
const registry = new BackendRegistry([nullBackend]);

async function runOne(t: import('node:test').TestContext, load: string) {
  const plan = loadRecipeText(`services:\n  - {service_name: n, service_type: nullsvc, duration: 1500ms, load: ${load}}\n`, 'r.yaml', { registry, env: {} });
  const store = new MetricsStore(join(tempDir(t), 'm.db'), { background: true, aggregates: true });
  const clock = systemClock();
  store.beginRun({ benchmarkId: 'b', name: 'b', description: undefined, recipeFile: 'r.yaml', recipeText: '', recipeHash: '', provenance: collectProvenance() }, clock.now(), (m) => clock.wallAt(m));
  await runBenchmark(plan, { benchmarkId: 'b', registry, store, clock, log: createLogger('error'), stop: new AbortController().signal, maxWorkers: 1, sequential: true });
  store.finishRun('complete', clock.now());
  const report = buildReport(store.db, 'b');
  store.close();
  return report;
}

test('a closed loop of 64 clients against a null backend on one generator: aifb says it was the bottleneck', async (t) => {
  const report = await runOne(t, '{clients: 64}');
  const c = report.services.n!.client!;
  assert.ok(c, 'client figures in the report');
  t.diagnostic(JSON.stringify(c));
  assert.equal(c.generators.length, 1);
  assert.ok(c.event_loop_busy! >= 0.9, `event loop busy ${c.event_loop_busy}`);
  assert.equal(c.saturated, true);
  // Either it computed all the time, or the machine's other processes kept it from a core: both in words.
  assert.match(c.verdict!, /^aifb was (the bottleneck here: event loop \d+ % busy, delay p99 [\d.]+ ms.* — (use generators: \d+|give aifb more cores)|short of CPU here)/);
  assert.match(renderSummary(report), /Client \(aifb itself\):[\s\S]*! n: aifb was/);
  assert.match(renderReportHtml(report, null), /<section id="client">[\s\S]*aifb was/);
});

test('a light closed loop (2 clients, 20 ms think time) is not flagged', async (t) => {
  const report = await runOne(t, '{clients: 2, think_time: 20ms}');
  const c = report.services.n!.client!;
  t.diagnostic(JSON.stringify(c));
  assert.ok(c.event_loop_busy! < 0.9, `event loop busy ${c.event_loop_busy}`);
  assert.equal(c.saturated, false);
  assert.equal(c.verdict, null);
  assert.doesNotMatch(renderSummary(report), /aifb was/);
});
