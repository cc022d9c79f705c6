import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildReport } from '../../src/report/build.js';
import { thresholdsJunit } from '../../src/report/exports.js';
import { writeHtmlReport } from '../../src/report/html/report-page.js';
import { sweepPointSets, recallQpsPointSet } from '../../src/report/points.js';
import { VECTOR_METRICS, vectorOperationParams } from '../../src/services/vectordb/common/fields.js';
import { openRunSource } from '../../src/report/source.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import { sampleAt, storeWith } from '../report/fixtures.js';

const XSS = '<script>alert(1)</script>';
const artifacts = join(repoRoot, 'test-artifacts');

async function browser(t: { after(fn: () => Promise<void>): void }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'aifb-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.after(async () => {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return ctx;
}

/** Opens a file with the network blocked; collects console errors, page errors, dialogs and requests. */
async function open(ctx: BrowserContext, file: string) {
  const seen = { errors: [] as string[], dialogs: [] as string[], network: [] as string[] };
  const page: Page = await ctx.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    seen.network.push(url);
    return route.abort();
  });
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && seen.errors.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('html[data-charts-drawn]', { timeout: 10_000 });
  return { page, seen };
}

/** Every chart slot holds a uPlot canvas of non-zero size with drawn (non-transparent) pixels. */
async function assertChartsDrawn(page: Page, atLeast: number): Promise<number> {
  const charts = await page.$$eval('.chart', (els) =>
    els.map((el) => {
      const c = el.querySelector('canvas');
      if (!c || c.width === 0 || c.height === 0) return { ok: false, inked: 0 };
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) inked++;
      return { ok: true, inked };
    }),
  );
  assert.ok(charts.length >= atLeast, `${charts.length} charts, wanted at least ${atLeast}`);
  charts.forEach((c, i) => assert.ok(c.ok && c.inked > 500, `chart ${i} is empty (${c.inked} pixels drawn)`));
  assert.equal(await page.getAttribute('html', 'data-charts-drawn'), String(charts.length));
  return charts.length;
}

test('HTML report of a real run: opens from disk offline, draws every chart, shows hostile strings as text', async (t) => {
  const server = await countingServer(t, 1);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'recipe.yaml'),
    `benchmark: {name: "html <i>report</i>", description: "${XSS} & more"}
services:
  - service_name: "web${XSS}"
    service_type: http
    url: ${server.url}/hello
    duration: 2s
    load: {rate: 100, warmup: 0.5s}
    thresholds: {p99_latency_ms: "<2000", error_rate: "<1%"}
`,
  );
  const res = await runCli(['run', 'recipe.yaml', '--out', 'out', '--quiet', '--id', 'html1'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const src = openRunSource(join(dir, 'out', 'metrics.db'), dir);
  t.after(() => src.close());
  const file = writeHtmlReport(src.report, src.recipeText, join(dir, 'out'));
  assert.equal(file, join(dir, 'out', 'html1_report.html'));

  const ctx = await browser(t);
  const { page, seen } = await open(ctx, file);
  await assertChartsDrawn(page, 5);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.dialogs, [], 'no injected script ran');
  assert.deepEqual(seen.network, [], 'the page asked for nothing over the network');
  assert.match(await page.textContent('.desc') ?? '', /<script>alert\(1\)<\/script> & more/);
  assert.equal(await page.textContent('h1'), 'html <i>report</i>');
  assert.equal(await page.$$eval('script', (s) => s.length), 3, 'only the data block, uPlot and the page script');
  assert.equal(await page.$$eval('i, section script', (s) => s.length), 0);
  assert.match((await page.textContent('#svc-0 h2')) ?? '', /^web<script>alert\(1\)<\/script>$/);
  assert.match((await page.textContent('#recipe + pre')) ?? '', /service_name: "web<script>/);
  assert.match((await page.textContent('#thresholds')) ?? '', /all 2 passed/);
  assert.match((await page.textContent('p.verdict')) ?? '', /^PASS — [\d.]+ req\/s achieved, p99 [\d.]+m?s < 2000 ms, error rate 0% < 1%$/);
  assert.equal(await page.textContent('.meta .status'), 'complete');
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'html-report.png'), fullPage: true });

  // The JUnit export is well-formed XML for a real XML parser.
  const junit = thresholdsJunit(src.report, src.report.thresholds);
  const parsed = await page.evaluate((x) => {
    const doc = new DOMParser().parseFromString(x, 'application/xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: doc.querySelectorAll('testcase').length, cls: doc.querySelector('testcase')?.getAttribute('classname') };
  }, junit);
  assert.deepEqual(parsed, { error: null, cases: 2, cls: `aifb.web${XSS}` });
});

test('HTML report draws LLM distributions, token rates and backend curves (recall–QPS, sweep with its knee)', async (t) => {
  const samples = Array.from({ length: 300 }, (_, i) =>
    sampleAt(1000 + i * 3, 40 + (i % 17), { llm: { ttftMs: 15 + (i % 11), tpotMs: 2 + (i % 3) / 2, itlMs: 2 + (i % 5) / 3, inputTokens: 20, outputTokens: 12 } }),
  );
  const store = storeWith('llm1', 'services: []\n', samples);
  t.after(() => store.close());
  const report = buildReport(store.db, 'llm1');
  report.services.svc!.points = [
    recallQpsPointSet([{ name: 'ef=64', points: [{ recall: 0.9, qps: 900 }, { recall: 0.95, qps: 600 }, { recall: 0.99, qps: 250 }] }]),
    ...sweepPointSets([50, 100, 150, 200, 250, 300].map((r) => ({
      offered_rps: r, achieved_rps: Math.min(r, 210), throughput_rps: Math.min(r, 205), goodput_rps: Math.min(r, 200), p50: 0.01 + (r > 200 ? (r - 200) / 1000 : 0), p99: 0.02 + (r > 200 ? (r - 200) / 200 : 0),
    }))),
  ];
  const dir = tempDir(t);
  const file = writeHtmlReport(report, null, dir);
  const { page, seen } = await open(await browser(t), file);
  const n = await assertChartsDrawn(page, 12);
  const titles = await page.$$eval('figcaption', (f) => f.map((x) => x.textContent));
  for (const want of ['TTFT, TPOT and ITL distributions (CDF)', 'Output tokens per second', 'Recall against throughput', 'Latency against offered load', 'Throughput and goodput against offered load']) {
    assert.ok(titles.includes(want), `missing chart "${want}" in ${titles.join(', ')}`);
  }
  assert.ok(n >= 12);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.network, []);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'html-report-llm.png'), fullPage: true });
});

test('HTML report of a vector service with a search-parameter sweep draws its recall–QPS curve from the stored recall', async (t) => {
  // Three ef_search values taking turns on one client; higher ef: slower and more exact.
  const efs = [16, 64, 256];
  const samples = Array.from({ length: 300 }, (_, i) => {
    const v = i % 3;
    return sampleAt(1000 + i * 3, 1 + v, { operation: `search@ef_search=${efs[v]}`, extra: { recall: [0.8, 0.95, 1][v]! - (i % 2) * 0.05 * (v < 2 ? 1 : 0) } });
  });
  const store = storeWith('vec1', 'services: []\n', samples, [{ serviceType: 'vectordb', backend: 'faiss', load: { mode: 'closed', clients: 1, thinkTimeMs: 0, metrics: VECTOR_METRICS, operation_params: vectorOperationParams({ search_params: efs.map((ef_search) => ({ ef_search })) }) } }]);
  t.after(() => store.close());
  const report = buildReport(store.db, 'vec1');
  assert.deepEqual(report.services.svc!.recall_qps!.map((p) => [p.operation, Number(p.recall.toFixed(3))]), [['search@ef_search=16', 0.775], ['search@ef_search=64', 0.925], ['search@ef_search=256', 1]]);
  const file = writeHtmlReport(report, null, tempDir(t));
  const { page, seen } = await open(await browser(t), file);
  await assertChartsDrawn(page, 6);
  assert.ok((await page.$$eval('figcaption', (f) => f.map((x) => x.textContent))).includes('Recall against throughput'));
  assert.equal(await page.$$eval('table.recall-qps tr', (r) => r.length), 4, 'a header and one row per ef_search');
  assert.deepEqual(seen.errors, []);
});

test('HTML answers first: the verdict on top, a badge that reflects thresholds, search results first with steps by rate, the SLO on the latency chart, no "--" in legends', async (t) => {
  // One request at a time, 10 ms each: about 100 req/s at most.
  let busyUntil = 0;
  const server = createServer((req, res) => {
    req.resume();
    const now = Date.now();
    busyUntil = Math.max(busyUntil, now) + 10;
    setTimeout(() => res.end('ok'), busyUntil - now);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: 2s
    load: {rate: 20}
    thresholds: {p99_latency_ms: "<1"}
  - service_name: cap
    service_type: http
    url: ${url}
    slo: {e2el_ms: 100}
    load: {search: {min_rate: 20, max_rate: 400, steps: 2, step_duration: 1s}}
`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--sequential', '--id', 'answer1'], { cwd: dir });
  assert.equal(res.code, 99, res.stderr);
  const { page, seen } = await open(await browser(t), join(dir, 'out', 'answer1_report.html'));
  await assertChartsDrawn(page, 8);
  const verdict = (await page.textContent('header h1 + p.verdict')) ?? '';
  assert.match(verdict, /^FAIL — cap: max rate meeting the SLOs: [\d.]+ req\/s, web [\d.]+ req\/s achieved, 1 of 1 threshold\(s\) failed: web p99 [\d.]+m?s \(needs < 1 ms\)$/);
  assert.equal(verdict, res.stdout.split('\n').find((l) => l.startsWith('FAIL — ')), 'the terminal ends with the same line');
  assert.equal(await page.textContent('.meta .status'), 'thresholds failed');
  assert.match((await page.textContent('h2')) ?? '', /^Search: cap$/, 'the search comes first');
  assert.match((await page.textContent('.search-result')) ?? '', /Highest rate .*: [\d.]+ req\/s/);
  const rates = await page.$$eval('section.sweep table tr td:first-child', (tds) => tds.map((td) => Number(td.textContent)));
  assert.deepEqual(rates, [...rates].sort((a, b) => a - b));
  const summaryRates = (await page.$$eval('table:not(.recall-qps) tr td:first-child a', (as) => as.map((a) => a.textContent ?? ''))).filter((n) => n.startsWith('cap@')).map((n) => Number(n.split('=')[1]));
  assert.deepEqual(summaryRates, [...summaryRates].sort((a, b) => a - b), 'steps listed by rate, not in bisection order');
  const lines = await page.evaluate(() => (JSON.parse(document.getElementById('aifb-data')!.textContent!) as { charts: { title: string; lines?: { label: string }[] }[] }).charts.filter((c) => c.lines).map((c) => c.lines!.map((l) => l.label)));
  assert.ok(lines.some((l) => l.includes('threshold p99 < 1 ms')), JSON.stringify(lines));
  assert.ok(lines.some((l) => l.includes('SLO e2el ≤ 100 ms')), JSON.stringify(lines));
  const legends = await page.$$eval('.u-legend', (els) => els.map((el) => el.textContent ?? ''));
  assert.ok(legends.length > 0 && legends.every((l) => !l.includes('--')), legends.join(' | '));
  assert.match((await page.textContent('p.goodput')) ?? '', /^Goodput: [\d.]+ req\/s met every SLO .* SLOs: e2el ≤ 100 ms$/);
  assert.deepEqual(seen.errors, []);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'html-report-answer.png'), fullPage: true });
});

test('the ITL histogram and CDF count the same token gaps as the ITL table', async (t) => {
  // Each request: 8 gaps of 2 ms and one of 30 ms (mean 4.9 ms, which no gap is).
  const samples = Array.from({ length: 50 }, (_, i) =>
    sampleAt(1000 + i * 10, 60, { llm: { ttftMs: 10, tpotMs: 5, itlMs: (8 * 2 + 30) / 9, inputTokens: 10, outputTokens: 10 }, extra: { itl: [[2, 8], [30, 1]], itl_max_ms: 30 } }),
  );
  const store = storeWith('itl1', 'services: []\n', samples);
  t.after(() => store.close());
  const report = buildReport(store.db, 'itl1');
  const llm = report.services.svc!.llm!;
  const h = llm.histograms!.itl;
  assert.equal(h.counts.reduce((a, b) => a + b, 0), llm.itl.count, 'one entry per token gap in both');
  assert.equal(llm.itl.count, 450);
  const file = writeHtmlReport(report, null, tempDir(t));
  const { page } = await open(await browser(t), file);
  const cdf = await page.evaluate(() => {
    const c = (JSON.parse(document.getElementById('aifb-data')!.textContent!) as { charts: { title: string; xs: number[]; series: { label: string; ys: (number | null)[] }[] }[] }).charts.find((x) => x.title.startsWith('TTFT, TPOT and ITL'))!;
    const itl = c.series.find((s) => s.label === 'ITL')!;
    return c.xs.map((x, i) => [x, itl.ys[i]] as const).filter(([, y]) => y !== null);
  });
  // 8 of 9 gaps (88.9 %) are at 2 ms: the CDF reaches that by ~2 ms, not at the 4.9 ms mean.
  const at = cdf.find(([, y]) => y! > 80)!;
  assert.ok(at[0] < 3, `ITL CDF passes 80 % at ${at[0]} ms`);
  assert.ok(llm.itl.p50! * 1000 < 3, 'and so does the table');
});
