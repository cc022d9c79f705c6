// aifb slurm submit/status/cancel/logs on the real single-node cluster (no mocks).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSlurmCluster } from '../helpers/slurm-cluster.js';
import { tempDir } from '../helpers/cli.js';
import { aifb, freePort, startAifb } from '../launch/helpers.js';
import { eventually, finalState, liveJobs, readReport, submittedIds, sweep, uniqueName, webRecipe } from './helpers.js';

before(() => ensureSlurmCluster());

test('aifb slurm submit --wait: a service job and a 2-task client job; the shards merge into one report whose count is the sum', { timeout: 90_000 }, async (t) => {
  const name = uniqueName('gen');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  const port = await freePort();
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name, port, extra: '\n    generators: 2', load: '{clients: 4, requests: 300}', duration: '60s' }));
  // --overcommit: the two generator tasks share one CPU, so service and client fit on a 2-core node.
  const res = await aifb(['slurm', 'submit', 'r.yaml', '--id', `${name}-run`, '--wait', '--partition', 'cpu', '--time', '00:10:00', '--extra-arg=--overcommit'], { cwd: dir });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  const [service, client] = submittedIds(res.stderr);
  assert.match(res.stderr, new RegExp(`client \\(job ${client}\\): PENDING \\(Dependency\\)`));
  assert.match(res.stderr, new RegExp(`client \\(job ${client}\\): COMPLETED`));
  const report = readReport(join(dir, 'reports'));
  const web = report.services[name]!;
  const db = new Database(join(dir, 'metrics.db'), { readonly: true });
  t.after(() => db.close());
  const shards = db.prepare('SELECT shard_index, slurm_job_id, slurm_procid, rows FROM shards ORDER BY shard_index').all() as { rows: number }[];
  assert.deepEqual(shards, [
    // One job step per generator: each is task 0 of its own step.
    { shard_index: 0, slurm_job_id: client, slurm_procid: '0', rows: 150 },
    { shard_index: 1, slurm_job_id: client, slurm_procid: '0', rows: 150 },
  ]);
  assert.equal(web.requests.total, shards[0]!.rows + shards[1]!.rows);
  assert.equal(web.requests.failed, 0);
  assert.equal(web.clients.count, 4, 'client ids stay distinct across the two tasks');
  assert.equal(report.benchmark_id, `${name}-run`);
  // The service log saw every request: they really went through the Slurm-started server.
  const served = readFileSync(join(dir, 'logs', 'slurm', `${name}-run`, `aifb-${name}-${service}.service.log`), 'utf8').match(/"GET \/ HTTP\/1\.1" 200/g)!.length;
  assert.ok(served >= 300, `the server answered ${served}`);
  assert.ok(await eventually(() => liveJobs(name).length === 0), 'the client cancelled the service job when it ended');
  assert.equal(finalState(service!).state, 'CANCELLED');
  const logs = await aifb(['slurm', 'logs', client!, '--lines', '50']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /merged 2 shard\(s\), 300 request rows/);
});

test('aifb slurm status shows why held jobs wait; aifb slurm cancel leaves nothing queued', { timeout: 60_000 }, async (t) => {
  const name = uniqueName('held');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name, port: await freePort(), slurm: ', extra_args: ["--hold"]' }));
  const res = await aifb(['slurm', 'submit', 'r.yaml', '--id', `${name}-run`], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const ids = submittedIds(res.stderr);
  assert.equal(ids.length, 2);
  const status = await aifb(['slurm', 'status', ...ids]);
  assert.match(status.stdout, new RegExp(`^${ids[0]}\\taifb-${name}\\tPENDING \\(JobHeldUser\\)$`, 'm'));
  assert.match(status.stdout, new RegExp(`^${ids[1]}\\taifb-${name}-run-client\\tPENDING \\(Dependency\\)$`, 'm'));
  const listed = await aifb(['slurm', 'status']);
  for (const id of ids) assert.match(listed.stdout, new RegExp(`^${id}\\t`, 'm'));
  const cancel = await aifb(['slurm', 'cancel', ...ids]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, new RegExp(`^${ids[0]}\\tCANCELLED`, 'm'));
  assert.deepEqual(liveJobs(name), []);
});

const PWN = '"; touch /tmp/pwned #';

test('hostile service_name, partition and values stay inert: sbatch gets the literal text and nothing runs', { timeout: 90_000 }, async (t) => {
  execFileSync('rm', ['-f', '/tmp/pwned']);
  const name = uniqueName('inj');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  const evil = `${name}${PWN}`;
  const port = await freePort();
  // A full run: the job named with the hostile text starts, serves and is benchmarked.
  const recipe = webRecipe({ name: evil, port, extra: `\n    environment: {NOTE: ${JSON.stringify(`$(touch /tmp/pwned) \`touch /tmp/pwned\` ${PWN}`)}}` });
  writeFileSync(join(dir, 'r.yaml'), recipe);
  const run = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const [job] = submittedIds(run.stderr);
  assert.equal(finalState(job!).name, `aifb-${evil}`, 'Slurm holds the literal name');
  assert.equal(readReport(join(dir, 'out')).services[evil]!.requests.failed, 0);

  // A hostile partition reaches sbatch as one literal value, which it rejects.
  writeFileSync(join(dir, 'p.yaml'), webRecipe({ name, port }).replace('partition: cpu', `partition: ${JSON.stringify(PWN)}`));
  const bad = await aifb(['slurm', 'submit', 'p.yaml'], { cwd: dir });
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /sbatch refused the job: sbatch: error: invalid partition specified: "; touch \/tmp\/pwned #/);
  const direct = await aifb(['run', 'p.yaml', '--out', 'out2', '--quiet'], { cwd: dir });
  assert.match(direct.stderr, /invalid partition specified: "; touch \/tmp\/pwned #/);

  // A line break would end the #SBATCH comment: refused before anything is written or submitted.
  writeFileSync(join(dir, 'n.yaml'), webRecipe({ name, port }).replace('partition: cpu', 'partition: "cpu\\ntouch /tmp/pwned"'));
  const nl = await aifb(['slurm', 'script', 'n.yaml'], { cwd: dir });
  assert.equal(nl.code, 2);
  assert.match(nl.stderr, /line break is not allowed/);
  const extra = await aifb(['slurm', 'script', 'r.yaml', '--partition', `cpu${PWN}`], { cwd: dir });
  assert.equal(extra.code, 0, extra.stderr);
  assert.match(extra.stdout, /^#SBATCH --partition='cpu"; touch \/tmp\/pwned #'$/m);

  assert.deepEqual(liveJobs(name), []);
  assert.throws(() => readFileSync('/tmp/pwned'), /ENOENT/, '/tmp/pwned must not exist');
});

test('Ctrl-C on aifb slurm submit --wait cancels the service and client jobs', { timeout: 60_000 }, async (t) => {
  const name = uniqueName('wait');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name, port: await freePort(), slurm: ', extra_args: ["--hold"]' }));
  const run = startAifb(['slurm', 'submit', 'r.yaml', '--id', `${name}-run`, '--wait'], { cwd: dir });
  assert.ok(await eventually(() => /client \(job \d+\): PENDING \(Dependency\)/.test(run.output().stderr), 20_000), run.output().stderr);
  run.child.kill('SIGINT');
  const res = await run.done;
  assert.equal(res.code, 130, res.stderr);
  assert.match(res.stderr, /interrupted: cancelling jobs \d+ \d+/);
  for (const id of submittedIds(res.stderr)) assert.equal(finalState(id).state, 'CANCELLED');
  assert.deepEqual(liveJobs(name), []);
});
