import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRegistry } from '../../src/services/catalog.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { systemClock } from '../../src/util/clock.js';
import { buildReport } from '../../src/report/build.js';
import { recallQpsAcrossServices } from '../../src/report/points.js';
import { writeHtmlReport } from '../../src/report/html/report-page.js';
import { CACHE_DIR, quiet, signal } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'aifb-vdb-rqps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The faiss tests' harder data (64-d, 4 clusters): IVF with few probes misses neighbours. */
const DATA = `    dimension: 64
    num_vectors: 4000
    num_queries: 60
    clusters: 4
    search_k: 10
    cache_dir: ${CACHE_DIR}
    index_factory: IVF32,Flat`;

test('a Faiss IVF run with three nprobe values: three recall–QPS points, recall rising with nprobe, plotted in the HTML report', async () => {
  const text = `
benchmark: {name: recall-qps}
services:
  - service_name: ivf-sweep
    service_type: vectordb
    backend: faiss
${DATA}
    search_params: [{nprobe: 32}, {nprobe: 1}, {nprobe: 4}]
    operation_mix: {search@nprobe=1: 0.34, search@nprobe=4: 0.33, search@nprobe=32: 0.33}
    load: {clients: 1, requests: 600}
  - service_name: ivf-nprobe4-alone
    service_type: vectordb
    backend: faiss
${DATA}
    search_params: [{nprobe: 4}]
    operation_mix: {search@nprobe=4: 1}
    load: {clients: 1, requests: 200}
`;
  const plan = loadRecipeText(text, join(dir, 'recipe.yaml'), { registry: builtinRegistry, env: {} });
  const store = new MetricsStore(join(dir, 'metrics.db'));
  const clock = systemClock();
  store.beginRun({ benchmarkId: 'rqps', name: plan.name, description: undefined, recipeFile: 'recipe.yaml', recipeText: plan.redactedText, recipeHash: plan.recipeHash, provenance: collectProvenance({}) }, clock.now(), (m) => clock.wallAt(m));
  const result = await runBenchmark(plan, { benchmarkId: 'rqps', registry: builtinRegistry, store, clock, log: quiet, stop: signal(), maxWorkers: 1, sequential: true });
  store.finishRun(result.status, clock.now());
  try {
    assert.equal(result.status, 'complete', JSON.stringify(result.services));
    const report = buildReport(store.db, 'rqps');
    const sweep = report.services['ivf-sweep']!;
    const curve = sweep.recall_qps!;
    assert.deepEqual(curve.map((p) => p.params), [{ nprobe: 1 }, { nprobe: 4 }, { nprobe: 32 }], 'one point per search_params entry, ordered by nprobe');
    // Per-operation recall is in the operation slices, and the service's recall covers them all.
    for (const p of curve) assert.deepEqual(sweep.operations[p.operation]!.recall, { mean: p.recall, min: p.recall_min, searches: p.searches });
    assert.equal(curve.reduce((n, p) => n + p.searches, 0), sweep.recall!.searches);
    assert.equal(sweep.recall!.searches, 600);
    // More probes scan a superset of the lists, so each query's recall can only rise; the
    // means differ only by which of the 60 queries each operation drew (~200 draws each).
    // Measured: nprobe 1 → 0.25, 4 → 0.76, 32 → 1 exactly; a 0.02 slack covers the draw.
    const [r1, r4, r32] = curve.map((p) => p.recall) as [number, number, number];
    assert.ok(r1 <= r4 + 0.02 && r4 <= r32, `recall not rising with nprobe: ${r1}, ${r4}, ${r32}`);
    assert.equal(r32, 1, 'nprobe = nlist scans every list: exact');
    assert.equal(curve[2]!.recall_min, 1);
    assert.ok(r1 < 0.95, `nprobe 1 should miss neighbours on this data: ${r1}`);
    for (const p of curve) {
      assert.equal(p.qps_basis, 'closed-loop estimate');
      assert.ok(p.p99 !== null && p.p99 > 0 && p.mean_latency !== null);
      // Running only this operation, one client completes at least what it did in the mix.
      assert.ok(p.qps >= p.throughput * 0.99 && p.throughput > 0, `${p.operation}: qps ${p.qps} below its share ${p.throughput}`);
    }
    const plot = sweep.points!.find((s) => s.id === 'recall-qps')!;
    assert.deepEqual(plot.series[0]!.points, curve.map((p) => [p.recall, p.qps]));

    // Run alone, the point's QPS is measured, not estimated.
    const alone = report.services['ivf-nprobe4-alone']!.recall_qps!;
    assert.equal(alone.length, 1);
    assert.equal(alone[0]!.qps_basis, 'measured');
    assert.equal(alone[0]!.qps, alone[0]!.throughput);
    assert.ok(Math.abs(alone[0]!.recall - r4) < 0.1, `nprobe 4 alone ${alone[0]!.recall} vs in the mix ${r4}`);
    assert.deepEqual(recallQpsAcrossServices(report.services)!.series.map((s) => s.name), ['ivf-sweep', 'ivf-nprobe4-alone']);

    const html = readFileSync(writeHtmlReport(report, null, dir), 'utf8');
    assert.match(html, /Recall against throughput, every vector service/);
    assert.match(html, /Recall against throughput/);
    assert.match(html, /<td class="text">search@nprobe=32<\/td><td>1\.0000<\/td>/);
  } finally {
    store.close();
  }
});
