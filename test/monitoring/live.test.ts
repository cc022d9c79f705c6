import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmark } from '../../src/engine/orchestrator.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { MetricsStore } from '../../src/metrics/store.js';
import { startLiveExport } from '../../src/monitoring/live-export.js';
import { pushCommand } from '../../src/cli/commands/push.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { eventually, promRange, promScalar, pushgatewayGroups, startStack, tempDir } from './helpers.js';
import { syntheticPlan, syntheticRegistry } from './synthetic.js';
import { dashboardExpressions, substitute } from './dashboard.js';
import { repoRoot } from '../helpers/cli.js';

const RUN_MS = 12_000;
const SEED_QUERIES = [
  'rate(benchmark_requests_total[1m])',
  'benchmark_request_duration_seconds_sum / benchmark_request_duration_seconds_count',
  '(benchmark_requests_successful / benchmark_requests_total) * 100',
  'histogram_quantile(0.95, rate(benchmark_request_duration_seconds_bucket[5m]))',
];

test('live export: Prometheus sees the run while it runs, every dashboard query has data after it, the group is deleted', async (t) => {
  const dir = tempDir(t);
  const stack = await startStack(t, dir);
  assert.deepEqual(
    stack.states.map((s) => [s.name, s.state]),
    [['pushgateway', 'running'], ['prometheus', 'running'], ['grafana', 'not installed']],
  );

  const benchmarkId = `benchmark_${Math.floor(Date.now() / 1000)}_test`;
  const logLines: string[] = [];
  const log = createLogger('info', (l) => logLines.push(l));
  const clock = systemClock();
  const exporter = await startLiveExport({
    benchmarkId,
    pushgatewayUrl: stack.pushgateway,
    pushIntervalMs: 1000,
    finalScrapeWaitMs: 2500,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    now: () => clock.now(),
    log,
  });
  t.after(() => exporter.finish());
  assert.match(exporter.url!, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  // The live endpoint joins Prometheus through the file_sd seam, as the Slurm launcher will.
  const port = new URL(exporter.url!).port;
  writeFileSync(join(stack.options.stateDir, 'prometheus', 'targets', 'aifb_live-test.yml'), `- targets: ['127.0.0.1:${port}']\n`);

  const dbPath = join(dir, 'metrics.db');
  const store = new MetricsStore(dbPath);
  const origin = clock.now();
  store.beginRun(
    { benchmarkId, name: 'monitoring-test', description: undefined, recipeFile: 'synthetic', recipeText: '', recipeHash: '', provenance: collectProvenance() },
    origin,
    (m) => clock.wallAt(m),
  );
  const startSec = Date.now() / 1000;
  const stop = new AbortController();
  let ended = false;
  t.after(() => {
    if (!ended) stop.abort();
  });
  const run = runBenchmark(syntheticPlan(RUN_MS), {
    benchmarkId, registry: syntheticRegistry, store, clock, log, stop: stop.signal, maxWorkers: 4, sequential: false,
    observers: [exporter.observer],
  }).finally(() => (ended = true));

  const rate = `sum(rate(benchmark_requests_total{job="aifb", benchmark_id="${benchmarkId}"}[5s]))`;
  let seenWhileRunning = NaN;
  await eventually('a non-zero request rate from the Pushgateway', async () => {
    seenWhileRunning = await promScalar(stack.prometheus, rate);
    return seenWhileRunning > 0 || ended;
  }, RUN_MS);
  assert.equal(ended, false, 'the rate must be visible before the run ends');
  assert.ok(seenWhileRunning > 0, `rate while running: ${seenWhileRunning}`);
  const liveRate = rate.replace('job="aifb"', 'job="aifb_live"');
  await eventually('a non-zero request rate from the live endpoint', async () => (await promScalar(stack.prometheus, liveRate)) > 0 || ended, RUN_MS);
  assert.equal(ended, false, 'the live endpoint is scraped while the run lasts');

  const result = await run;
  assert.equal(result.status, 'complete');
  store.finishRun(result.status, clock.now());
  const rows = store.written;
  store.close();
  assert.ok(rows > 1500, `rows: ${rows}`);

  // Finished as run.ts does it, right after the run: the final values stay up long enough
  // for Prometheus to record them, from both sources, and then the group goes.
  await exporter.finish();
  assert.equal(logLines.filter((l) => l.includes('failed')).length, 0, logLines.join('\n'));
  for (const job of ['aifb', 'aifb_live']) {
    const series = await promRange(stack.prometheus, `sum(benchmark_requests_total{job="${job}", benchmark_id="${benchmarkId}"})`,
      Math.floor(startSec), Math.ceil(Date.now() / 1000));
    const last = Math.max(...series[0]!.values!.map(([, v]) => Number(v)));
    assert.equal(last, rows, `${job}: Prometheus recorded ${last} of ${rows} requests`);
  }

  // The Pushgateway answers a DELETE with 202 and applies it a moment later.
  const groupGone = async () => (await pushgatewayGroups(stack.pushgateway)).every((g) => g.labels.benchmark_id !== benchmarkId);
  await eventually('the group deleted after the run', groupGone);

  // Every PromQL expression of the dashboard, as Grafana would run it, for both sources.
  const endSec = Date.now() / 1000;
  const expressions = dashboardExpressions(JSON.parse(readFileSync(join(repoRoot, 'monitoring', 'grafana', 'dashboards', 'ai-factory-benchmark.json'), 'utf8')));
  assert.ok(expressions.length >= 25, `${expressions.length} expressions`);
  for (const job of ['aifb', 'aifb_live']) {
    for (const e of expressions) {
      const expr = substitute(e.expr, { job, benchmark_id: benchmarkId, service: '.*' });
      const series = await promRange(stack.prometheus, expr, Math.floor(startSec), Math.ceil(endSec));
      const finite = series.flatMap((s) => s.values ?? []).filter(([, v]) => Number.isFinite(Number(v)));
      assert.ok(finite.length > 0, `no data for ${job}: ${e.where}: ${expr}`);
      if (e.label) assert.ok(series.some((s) => s.metric[e.label!] !== undefined), `${e.where}: no ${e.label} label`);
    }
  }

  // The seed's own queries (report Listing 5.1) run as written.
  for (const expr of SEED_QUERIES) {
    const series = await promRange(stack.prometheus, expr, Math.floor(startSec), Math.ceil(endSec));
    assert.ok(series.some((s) => s.metric.benchmark_id === benchmarkId), `seed query without data: ${expr}`);
  }

  // aifb push rebuilds the same totals from the database and leaves the group until --delete.
  const out: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, env: {}, cwd: dir };
  assert.equal(await pushCommand.run([dbPath, '--pushgateway', stack.pushgateway], io as never), 0, out.join(''));
  const pushed = (await pushgatewayGroups(stack.pushgateway)).find((g) => g.labels.benchmark_id === benchmarkId);
  assert.ok(pushed, out.join(''));
  // The pushed run says it has finished (running 0), so the "stopped reporting" alert stays quiet.
  await eventually('the pushed run in Prometheus', async () =>
    (await promScalar(stack.prometheus, `sum(benchmark_requests_total{job="aifb", benchmark_id="${benchmarkId}"})`)) === rows &&
    (await promScalar(stack.prometheus, `max(benchmark_running{job="aifb", benchmark_id="${benchmarkId}"})`)) === 0);
  assert.equal(await pushCommand.run(['--delete', '--id', benchmarkId, '--pushgateway', stack.pushgateway], io as never), 0);
  await eventually('the group deleted by aifb push --delete', groupGone);
});
