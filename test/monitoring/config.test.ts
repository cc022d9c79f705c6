import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { writeGrafanaProvisioning, writePrometheusConfig } from '../../src/monitoring/stack/config.js';
import { dashboardExpressions } from './dashboard.js';
import { repoRoot } from '../helpers/cli.js';
import { tempDir } from './helpers.js';

const monitoring = join(repoRoot, 'monitoring');

function promtool(...args: string[]): string {
  const r = spawnSync('promtool', args, { cwd: monitoring, encoding: 'utf8' });
  assert.equal(r.error, undefined, `promtool: ${r.error?.message} (Debian: apt-get install prometheus)`);
  assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

test('promtool: prometheus.yml and alerts.yml are valid, and every alert passes its unit tests', () => {
  const config = promtool('check', 'config', 'prometheus.yml');
  assert.match(config, /SUCCESS: prometheus\.yml is valid/);
  assert.doesNotMatch(config, /WARNING/);
  assert.match(promtool('check', 'rules', 'alerts.yml'), /SUCCESS: 3 rules found/);
  assert.match(promtool('test', 'rules', 'alerts.test.yml'), /SUCCESS/);
  // Each alert has a test case that expects it to fire.
  const tests = readFileSync(join(monitoring, 'alerts.test.yml'), 'utf8');
  const alerts = (parse(readFileSync(join(monitoring, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups
    .flatMap((g) => g.rules.map((r) => r.alert));
  for (const a of alerts) assert.match(tests, new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${a} has no firing test`);
});

test('prometheus.yml: the Pushgateway is scraped with honor_labels; aifb, vLLM, Triton and the simulator are targets', () => {
  const c = parse(readFileSync(join(monitoring, 'prometheus.yml'), 'utf8')) as { scrape_configs: Record<string, unknown>[] };
  const jobs = Object.fromEntries(c.scrape_configs.map((j) => [j.job_name as string, j]));
  assert.equal(jobs.pushgateway!.honor_labels, true);
  const target = (job: string) => JSON.stringify(jobs[job]!.static_configs);
  assert.match(target('vllm'), /:8000/);
  assert.match(target('triton'), /:8002/);
  assert.ok(jobs.aifb_live && jobs.aifb_llm_sim);
});

test('generated configs: monitor rewrites the targets and paths, and promtool accepts the result', (t) => {
  const dir = tempDir(t);
  const file = writePrometheusConfig(join(dir, 'prom'), { targets: { pushgateway: ['127.0.0.1:19091'] }, scrapeInterval: '1s' });
  const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const generated = parse(readFileSync(file, 'utf8'));
  assert.equal(generated.global.scrape_interval, '1s');
  const pgw = generated.scrape_configs.find((j: { job_name: string }) => j.job_name === 'pushgateway');
  assert.deepEqual(pgw.static_configs, [{ targets: ['127.0.0.1:19091'] }]);
  const prov = writeGrafanaProvisioning(join(dir, 'grafana'), 'http://127.0.0.1:19090', '1s');
  const ds = parse(readFileSync(join(prov, 'datasources', 'prometheus.yaml'), 'utf8'));
  assert.equal(ds.apiVersion, 1);
  assert.equal(ds.datasources[0].url, 'http://127.0.0.1:19090');
  assert.equal(ds.datasources[0].jsonData.timeInterval, '1s');
  const dash = parse(readFileSync(join(prov, 'dashboards', 'aifb.yaml'), 'utf8'));
  assert.equal(dash.apiVersion, 1);
  assert.equal(dash.providers[0].options.path, join(monitoring, 'grafana', 'dashboards'));
});

test('dashboard: the seed panels, per-operation and LLM panels, variables benchmark_id and service, every query filtered by them', () => {
  const d = JSON.parse(readFileSync(join(monitoring, 'grafana', 'dashboards', 'ai-factory-benchmark.json'), 'utf8'));
  const titles = (d.panels as { title: string; type: string }[]).map((p) => `${p.type}:${p.title}`);
  for (const want of ['timeseries:Request rate', 'gauge:Success rate', 'timeseries:Response time', 'stat:Total requests', 'stat:Failed requests',
    'piechart:Requests by service', 'timeseries:Success vs failure', 'timeseries:p95 latency by operation', 'timeseries:Time to first token',
    'timeseries:Inter-token latency', 'timeseries:Tokens per second']) {
    assert.ok(titles.includes(want), `missing ${want}`);
  }
  const ids = (d.panels as { id: number }[]).map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const vars = Object.fromEntries((d.templating.list as { name: string; includeAll?: boolean; allValue?: string }[]).map((v) => [v.name, v]));
  assert.ok(vars.benchmark_id && vars.service && vars.job && vars.datasource);
  assert.equal(vars.service!.includeAll, true);
  assert.equal(vars.service!.allValue, '.*');
  const stacked = (d.panels as { title: string; fieldConfig?: { defaults: { custom?: { stacking?: { mode: string }; drawStyle?: string } } } }[])
    .find((p) => p.title === 'Success vs failure')!.fieldConfig!.defaults.custom!;
  assert.deepEqual([stacked.drawStyle, stacked.stacking!.mode], ['bars', 'normal']);
  for (const e of dashboardExpressions(d).filter((x) => !x.label)) {
    assert.match(e.expr, /job="\$job", benchmark_id="\$benchmark_id", service=~"\$service"/, e.where);
  }
});
