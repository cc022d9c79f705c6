// `aifb export --format vllm`, `--parquet` and the documented SQL, through the CLI, on a
// real run against aifb's LLM simulator (with failures): the vLLM JSON agrees with the
// database and the report, pyarrow reads the Parquet back cell for cell, and every SQL
// block of docs/reports.md runs on the run's metrics.db and agrees with the report, as does its pandas snippet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { percentileLinear, type VllmResult } from '../../src/report/export-vllm.js';
import { SAMPLE_COLUMNS } from '../../src/report/exports.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { cacheDir, notRun } from '../helpers/live.js';
import type { Report } from '../../src/report/types.js';

type Ctx = Parameters<typeof tempDir>[0];

/** One run of two LLM services against the simulator; returns its folder and report. */
async function llmRun(t: Ctx): Promise<{ dir: string; report: Report }> {
  const sim = await startLlmSimulator({ decode_ms: 3, prefill_ms_per_token: 0.02, jitter: 0.2, ignore_eos: true, error_rate: 0.1, seed: 5 });
  t.after(() => sim.close());
  const dir = tempDir(t);
  const svc = (name: string, api: string, load: string) =>
    `  - service_name: ${name}\n    service_type: vllm\n    service_url: ${sim.url}\n    model: sim-llm\n    api: ${api}\n` +
    `    max_tokens: 12\n    prompts: {input_tokens: 30}\n    duration: 2s\n    load: ${load}\n    slo: {ttft_ms: 100}\n`;
  writeFileSync(join(dir, 'r.yaml'), `services:\n${svc('comp', 'completions', '{clients: 3}')}${svc('chat', 'chat', '{rate: 15, arrival: poisson}')}`);
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  return { dir, report: JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report };
}

const near = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

test('percentiles as numpy.percentile computes them (linear interpolation)', () => {
  assert.equal(percentileLinear([1, 2, 3, 4], 50), 2.5);
  assert.ok(near(percentileLinear([1, 2, 3, 4], 99), 3.97));
  assert.ok(near(percentileLinear([15, 20, 35, 40, 50], 40), 29));
  assert.equal(percentileLinear([7], 99), 7);
});

test('export --format vllm: vLLM bench serve\'s result JSON of one LLM service, consistent with the database and the report', async (t) => {
  const { dir, report } = await llmRun(t);
  const both = await runCli(['export', 'out/metrics.db', '--format', 'vllm', '--output', 'v.json'], { cwd: dir });
  assert.equal(both.code, 2, both.stderr);
  assert.match(both.stderr, /has 2 LLM services; name one with --service \(comp, chat\)/);
  const noOut = await runCli(['export', 'out/metrics.db', '--format', 'vllm'], { cwd: dir });
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--format vllm needs --output FILE/);

  for (const name of ['comp', 'chat']) {
    const res = await runCli(['export', 'out/metrics.db', '--format', 'vllm', '--output', `${name}.json`, '--service', name], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    const v = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as VllmResult;
    const s = report.services[name]!;
    const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
    const rows = db.prepare('SELECT success, ttft, output_tokens, input_tokens, service_time FROM metrics WHERE service_name = ? ORDER BY id').all(name) as { success: number; ttft: number | null; output_tokens: number | null; input_tokens: number | null; service_time: number }[];
    db.close();
    const ok = rows.filter((r) => r.success === 1);
    assert.ok(ok.length > 5 && rows.length > ok.length, `${ok.length} of ${rows.length} succeeded (error_rate 0.1 makes failures)`);
    assert.equal(v.completed, s.requests.successful);
    assert.equal(v.failed, s.requests.failed);
    assert.equal(v.num_prompts, rows.length);
    for (const list of [v.input_lens, v.output_lens, v.ttfts, v.itls, v.errors, v.generated_texts]) assert.equal(list.length, rows.length);
    assert.equal(v.errors.filter((e) => e === '').length, ok.length, 'an empty error for each success, as vLLM');
    assert.match(v.errors.find((e) => e !== '')!, /^http_5xx: .*simulated internal server error/);
    assert.equal(v.total_output_tokens, ok.reduce((a, r) => a + r.output_tokens!, 0));
    assert.equal(v.total_output_tokens, s.llm!.output_tokens - rows.filter((r) => r.success === 0).reduce((a, r) => a + (r.output_tokens ?? 0), 0));
    assert.ok(near(v.duration, s.load.window_seconds!));
    assert.ok(near(v.request_throughput, v.completed / v.duration));
    assert.ok(near(v.output_throughput, v.total_output_tokens / v.duration));
    // Seconds in the lists, ms in the statistics; the same numbers as the report's exact means.
    const ttfts = ok.map((r) => r.ttft!);
    assert.deepEqual(v.ttfts.filter((_, i) => rows[i]!.success === 1), ttfts);
    assert.ok(near(v.mean_ttft_ms as number, (ttfts.reduce((a, b) => a + b, 0) / ttfts.length) * 1000));
    assert.ok(near(v.mean_ttft_ms as number, s.llm!.ttft.mean! * 1000, 1e-6), `${v.mean_ttft_ms} vs report ${s.llm!.ttft.mean! * 1000}`);
    const sorted = ttfts.map((x) => x * 1000).sort((a, b) => a - b);
    assert.ok(near(v.p99_ttft_ms as number, percentileLinear(sorted, 99)));
    assert.ok(near(v.median_ttft_ms as number, percentileLinear(sorted, 50)));
    // aifb's report takes the nearest rank above (HDR, 3 significant digits, clamped to the
    // max); numpy interpolates below it: with few requests the two differ, never the other way.
    assert.ok((v.p99_ttft_ms as number) <= s.llm!.ttft.p99! * 1000 * 1.001 + 0.01, `${v.p99_ttft_ms} vs ${s.llm!.ttft.p99! * 1000}`);
    // The simulator sends one token a chunk: output N has N − 1 gaps.
    v.itls.forEach((gaps, i) => assert.equal(gaps.length, rows[i]!.success === 1 ? Math.max(0, rows[i]!.output_tokens! - 1) : 0));
    assert.ok(near(v.mean_itl_ms as number, s.llm!.itl.mean! * 1000, 1e-3), `${v.mean_itl_ms} vs ${s.llm!.itl.mean! * 1000}`);
    for (const k of ['ttft', 'tpot', 'itl', 'e2el']) for (const st of ['mean', 'median', 'std', 'p50', 'p90', 'p95', 'p99']) assert.equal(typeof v[`${st}_${k}_ms`], 'number', `${st}_${k}_ms`);
    assert.ok((v.p99_e2el_ms as number) >= (v.p99_ttft_ms as number));
    // e2el ends at the last token-bearing chunk, as vLLM's latency: the report's e2el and tpot.
    assert.ok(near(v.mean_e2el_ms as number, s.llm!.e2el!.mean! * 1000, 1e-6), `${v.mean_e2el_ms} vs ${s.llm!.e2el!.mean! * 1000}`);
    assert.ok(near(v.mean_tpot_ms as number, s.llm!.tpot.mean! * 1000, 1e-6), `${v.mean_tpot_ms} vs ${s.llm!.tpot.mean! * 1000}`);
    assert.ok(v.max_output_tokens_per_s > 0 && v.max_output_tokens_per_s <= v.total_output_tokens);
    assert.ok(v.max_concurrent_requests >= 1);
    assert.equal(v.model_id, 'sim-llm');
    assert.equal(v.backend, 'vllm');
    assert.ok(near(v.request_goodput!, s.goodput!.requests_per_second!));
    if (name === 'comp') (assert.equal(v.request_rate, 'inf'), assert.equal(v.max_concurrency, 3));
    else (assert.equal(v.request_rate, 15), assert.equal(v.burstiness, 1));
  }
});

const PYARROW_CHECK = `
import sys, json, sqlite3
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
con = sqlite3.connect(sys.argv[2])
cols = json.loads(sys.argv[3])
rows = con.execute("SELECT " + ", ".join(cols) + " FROM metrics ORDER BY id").fetchall()
got = t.to_pylist()
assert t.column_names == cols, t.column_names
assert len(got) == len(rows), (len(got), len(rows))
bad = 0
for g, r in zip(got, rows):
    for c, want in zip(cols, r):
        have = g[c]
        if c == "status_code" and want is not None: want = str(want)
        if have != want: bad += 1
print(json.dumps({"rows": len(got), "bad": bad, "types": {f.name: str(f.type) for f in t.schema}, "groups": pq.ParquetFile(sys.argv[1]).num_row_groups}))
`;

/** A Python that imports `modules`: scripts/servers/pyarrow.sh's venv (newest first), else python3. */
function pythonWith(modules: string): string | undefined {
  const venvs = existsSync(cacheDir) ? readdirSync(cacheDir).filter((d) => d.startsWith('pyarrow-')).sort().reverse() : [];
  const candidates = [...venvs.map((v) => join(cacheDir, v, 'bin', 'python')), 'python3'];
  return candidates.find((py) => spawnSync(py, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0);
}

test('export --parquet: pyarrow reads every row and cell back as the metrics table holds them', async (t) => {
  const py = pythonWith('pyarrow');
  if (!py) return notRun(t, 'no Python with pyarrow (scripts/servers/pyarrow.sh installs one)');
  const { dir } = await llmRun(t);
  const res = await runCli(['export', 'out/metrics.db', '--format', 'parquet', '--output', 's.parquet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /\d+ samples \(Parquet\)/);
  const r = spawnSync(py, ['-c', PYARROW_CHECK, join(dir, 's.parquet'), join(dir, 'out', 'metrics.db'), JSON.stringify(SAMPLE_COLUMNS)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { rows: number; bad: number; types: Record<string, string>; groups: number };
  assert.ok(out.rows > 20);
  assert.equal(out.bad, 0, 'every cell as in SQLite');
  assert.equal(out.types.request_duration, 'double');
  assert.equal(out.types.output_tokens, 'int32');
  assert.equal(out.types.response_size, 'int64');
  assert.equal(out.types.status_code, 'string');
});

/** The SQL blocks of docs/reports.md marked `-- aifb:sql NAME`. */
function documentedSql(): Map<string, string> {
  const doc = readFileSync(join(repoRoot, 'docs', 'reports.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/```sql\n-- aifb:sql ([\w-]+)\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!);
  return out;
}

test('the SQL documented for metrics.db runs on a real run and agrees with the report', async (t) => {
  const sql = documentedSql();
  assert.deepEqual([...sql.keys()].sort(), ['llm-tokens', 'per-second', 'per-service']);
  const { dir, report } = await llmRun(t);
  const db = new Database(join(dir, 'out', 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  const per = db.prepare(sql.get('per-service')!).all() as { service_name: string; requests: number; failed: number; mean_latency_ms: number; max_latency_ms: number }[];
  assert.deepEqual(per.map((r) => r.service_name), ['chat', 'comp']);
  for (const r of per) {
    const s = report.services[r.service_name]!;
    assert.equal(r.requests, s.requests.total);
    assert.equal(r.failed, s.requests.failed);
    assert.ok(near(r.mean_latency_ms, s.latency.all.mean! * 1000, 1e-6));
    assert.ok(near(r.max_latency_ms, s.latency.all.max! * 1000, 1e-3));
  }
  const tok = db.prepare(sql.get('llm-tokens')!).all() as { service_name: string; output_counted_by: string; requests: number; output_tokens: number }[];
  for (const r of tok) assert.equal(r.output_counted_by, 'server', 'the simulator reports usage');
  assert.equal(tok.reduce((a, r) => a + r.requests, 0), report.services.chat!.requests.successful + report.services.comp!.requests.successful);
  const secs = db.prepare(sql.get('per-second')!).all() as { service_name: string; requests: number }[];
  assert.equal(secs.filter((r) => r.service_name === 'chat').reduce((a, r) => a + r.requests, 0), report.services.chat!.requests.total);
});

/** The Python block of docs/reports.md marked `# aifb:python NAME`. */
function documentedPython(name: string): string {
  const doc = readFileSync(join(repoRoot, 'docs', 'reports.md'), 'utf8');
  const m = doc.match(new RegExp('```python\\n# aifb:python ' + name + '\\n([\\s\\S]*?)```'));
  assert.ok(m, `docs/reports.md has a python block marked aifb:python ${name}`);
  return m[1]!;
}

test('the pandas snippet of docs/reports.md runs on a real metrics.db and agrees with the report; pandas reads the Parquet export', async (t) => {
  const py = pythonWith('pandas, pyarrow');
  if (!py) return notRun(t, 'no Python with pandas and pyarrow (scripts/servers/pyarrow.sh installs them)');
  const { dir, report } = await llmRun(t);
  const r = spawnSync(py, ['-c', documentedPython('pandas')], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['chat', 'comp']) {
    const row = r.stdout.match(new RegExp(`^${name}\\s+([\\d.]+)\\s+([\\d.]+)`, 'm'));
    assert.ok(row, `a row for ${name} in:\n${r.stdout}`);
    const s = report.services[name]!;
    assert.equal(Number(row[1]), s.requests.total, 'count: every stored request');
    assert.ok(near(Number(row[2]), s.latency.all.mean! * 1000, 1e-4), `mean ${row[2]} ms vs the report's ${s.latency.all.mean! * 1000}`);
  }
  const exp = await runCli(['export', 'out/metrics.db', '--parquet', 'samples.parquet'], { cwd: dir });
  assert.equal(exp.code, 0, exp.stderr);
  const rows = spawnSync(py, ['-c', 'import pandas as pd; print(len(pd.read_parquet("samples.parquet")))'], { cwd: dir, encoding: 'utf8' });
  assert.equal(rows.status, 0, rows.stderr);
  assert.equal(Number(rows.stdout.trim()), report.services.chat!.requests.total + report.services.comp!.requests.total);
});
