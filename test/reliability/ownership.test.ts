import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { countingServer } from '../helpers/http-server.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

test('no file of src/ but util/owned.ts calls a deleting function of node:fs (every removal checks ownership)', () => {
  const src = join(repoRoot, 'src');
  const offenders: string[] = [];
  for (const f of filesUnder(src).filter((p) => p.endsWith('.ts'))) {
    if (relative(src, f) === join('util', 'owned.ts')) continue;
    const text = readFileSync(f, 'utf8');
    const imports = [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'node:fs(?:\/promises)?'/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]));
    const bad = imports.filter((n) => ['rm', 'rmSync', 'unlink', 'unlinkSync', 'rmdir', 'rmdirSync'].includes(n!));
    if (bad.length || /\bfs\.(rm|unlink|rmdir)(Sync)?\(/.test(text)) offenders.push(`${relative(src, f)}: ${bad.join(', ')}`);
  }
  assert.deepEqual(offenders, []);
});

const PLANTED = 'not aifb\'s: must survive';

/** Plants a file of the user's at each place aifb writes; returns their paths. */
function plant(dir: string, id: string): string[] {
  const paths = [
    join(dir, 'logs', 'shards', `${id}-web`, 'shard-0.db'), // the shard directory's old fixed name
    join(dir, 'logs', 'shards', `${id}-web`, 'notes.txt'),
    join(dir, 'logs', 'shards', 'mine.txt'),
    join(dir, 'logs', 'mine.txt'),
    join(dir, 'out', 'mine.txt'), // reports_dir and the metrics DB's directory
    join(dir, 'out', 'other_report.json'),
    join(dir, 'scratch', 'mine.txt'), // a file_storage base_path (work dirs are made under it)
    join(dir, 'scratch', `aifb-${id}-files-foreign`, 'data.bin'), // a work dir's pattern without the marker
  ];
  for (const p of paths) {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, PLANTED);
  }
  return paths;
}

test('a run with generators and a file_storage work dir deletes none of the user files planted where it writes', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  const planted = plant(dir, 'b1');
  writeFileSync(
    join(dir, 'r.yaml'),
    `global: {logs_dir: logs}
services:
  - service_name: web
    service_type: http
    url: ${server.url}/hello
    generators: 2
    load: {clients: 2, requests: 100}
  - service_name: files
    service_type: file_storage
    base_path: scratch
    initial_files: 5
    file_sizes: {1KB: 1}
    operation_mix: {write: 0.4, read: 0.4, delete: 0.2}
    load: {clients: 1, requests: 50}
`,
  );
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--id', 'b1'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  for (const p of planted) assert.equal(readFileSync(p, 'utf8'), PLANTED, `${p} survives`);
  assert.deepEqual(readdirSync(join(dir, 'logs', 'shards')).sort(), ['b1-web', 'mine.txt'], 'only its own shard directory is gone');
  assert.deepEqual(readdirSync(join(dir, 'scratch')).sort(), ['aifb-b1-files-foreign', 'mine.txt'], 'only its own work dir is gone');
});

test('two runs with the same --id at once keep each other\'s shards: both report every request', async (t) => {
  const server = await countingServer(t, 2);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `global: {logs_dir: ${join(dir, 'logs')}}
services:
  - service_name: web
    service_type: http
    url: ${server.url}/hello
    generators: 2
    load: {clients: 2, requests: 300}
`,
  );
  const [a, b] = await Promise.all([
    runCli(['run', 'r.yaml', '--out', 'a', '--quiet', '--id', 'same'], { cwd: dir }),
    // Started a little later so that the first ends while the second still loads.
    new Promise((r) => setTimeout(r, 300)).then(() => runCli(['run', 'r.yaml', '--out', 'b', '--quiet', '--id', 'same'], { cwd: dir })),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  for (const out of ['a', 'b']) {
    const db = new Database(join(dir, out, 'metrics.db'), { readonly: true });
    const n = (db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
    db.close();
    assert.equal(n, 300, `run ${out} kept all its rows`);
  }
});
