import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { notRun } from '../helpers/live.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string; types: string };

test('package.json main and types name files the build makes', (t) => {
  if (!existsSync(join(repoRoot, 'dist'))) return notRun(t, 'dist/ is not built (npm run build)');
  assert.ok(existsSync(join(repoRoot, pkg.main)), pkg.main);
  assert.ok(existsSync(join(repoRoot, pkg.types)), pkg.types);
});

test('the built library runs a recipe end to end in a plain node process: recipe → run → report', (t) => {
  const main = join(repoRoot, pkg.main);
  if (!existsSync(main)) return notRun(t, `${pkg.main} is not built (npm run build)`);
  const dir = tempDir(t);
  const recipe = join(dir, 'lib.yaml');
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  writeFileSync(
    recipe,
    `benchmark: {name: library}
global: {metrics_db: m.db, log_level: ERROR}
services:
  - {service_name: files-a, service_type: file_storage, base_path: ${join(dir, 'a')}, file_sizes: {4KB: 1.0}, operation_mix: {write: 0.5, read: 0.5}, load: {mode: closed, clients: 2, requests: 200}}
  - {service_name: files-b, service_type: file_storage, base_path: ${join(dir, 'b')}, file_sizes: {4KB: 1.0}, operation_mix: {write: 1.0}, load: {rate: 200, requests: 100}}
`,
  );
  // No tsx, no test runner: what a program that depends on aifb sees.
  const script = `
    const aifb = await import(${JSON.stringify(main)});
    const r = await aifb.runRecipe(${JSON.stringify(recipe)}, { cwd: ${JSON.stringify(dir)}, benchmarkId: 'lib_1' });
    const s = r.report.services;
    process.stdout.write(JSON.stringify({ status: r.result.status, id: r.report.benchmark_id, db: r.metricsDb,
      a: s['files-a'].requests, b: s['files-b'].requests, ops: Object.keys(s['files-a'].operations).sort(),
      summary: aifb.renderSummary(r.report).includes('files-a') }));`;
  // A file, not `-e`: worker threads inherit the parent's execArgv, and `--input-type` makes every service thread fail.
  writeFileSync(join(dir, 'use.mjs'), script);
  const out = spawnSync(process.execPath, [join(dir, 'use.mjs')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(out.status, 0, out.stderr);
  const got = JSON.parse(out.stdout) as Record<string, unknown>;
  assert.equal(got.status, 'complete');
  assert.equal(got.id, 'lib_1');
  assert.equal(got.db, join(dir, 'm.db'));
  assert.ok(existsSync(join(dir, 'm.db')));
  assert.deepEqual(got.a, { total: 200, successful: 200, failed: 0, success_rate: 100 });
  assert.deepEqual(got.b, { total: 100, successful: 100, failed: 0, success_rate: 100 });
  assert.deepEqual(got.ops, ['read', 'write']);
  assert.equal(got.summary, true);
});
