// On the real single-node Slurm cluster test/helpers/slurm-cluster.ts starts (no mocks).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureSlurmCluster } from '../helpers/slurm-cluster.js';
import { tempDir } from '../helpers/cli.js';
import { aifb, freePort, startAifb } from '../launch/helpers.js';
import { portTaken } from '../../src/launch/readiness.js';
import { eventually, finalState, liveJobs, readReport, submittedIds, sweep, uniqueName, webRecipe } from './helpers.js';

before(() => ensureSlurmCluster());

test('slurm launcher: a native service job is submitted, discovered, benchmarked with the http backend and cancelled', { timeout: 60_000 }, async (t) => {
  const name = uniqueName('web');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  const port = await freePort();
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name, port }));
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const [job] = submittedIds(res.stderr);
  assert.ok(job, res.stderr);
  assert.match(res.stderr, new RegExp(`Slurm job ${job} RUNNING on ${hostname().split('.')[0]}`));
  assert.match(res.stderr, new RegExp(`service "${name}" is ready at [\\w.-]+:${port} \\(Slurm job ${job}\\)`));
  const web = readReport(join(dir, 'out')).services[name]!;
  assert.equal(web.requests.total, 80);
  assert.equal(web.requests.failed, 0);
  assert.deepEqual(liveJobs(name), [], 'nothing left running or queued');
  assert.equal(finalState(job).state, 'CANCELLED');
  assert.equal(await portTaken('127.0.0.1', port), undefined, 'the server ended with its job');
});

test('slurm launcher: a service that never gets healthy fails with its log tail, and its job is gone', { timeout: 60_000 }, async (t) => {
  const name = uniqueName('sick');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  const port = await freePort();
  const recipe = webRecipe({ name, port })
    .replace(/command: .*/, `command: [sh, -c, "echo warming up; echo 'fatal: cannot load model weights' >&2; sleep 300"]`)
    .replace('ready: {http: /}', 'ready: {http: /health}')
    .replace('ready_timeout: 30s', 'ready_timeout: 3s');
  writeFileSync(join(dir, 'r.yaml'), recipe);
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  const [job] = submittedIds(res.stderr);
  assert.match(res.stderr, new RegExp(`Slurm job ${job} ended before the service was ready: FAILED`));
  assert.match(res.stderr, /\| fatal: cannot load model weights/);
  assert.match(res.stderr, /the service was not ready within 3 s \(last check: GET http:\/\/127\.0\.0\.1:\d+\/health: ECONNREFUSED\)/);
  assert.equal(readReport(join(dir, 'out')).services[name]!.status, 'failed');
  assert.deepEqual(liveJobs(name), []);
});

test('slurm launcher: a job held PENDING shows its reason, and aifb gives up at the queue deadline and cancels it', { timeout: 60_000 }, async (t) => {
  const name = uniqueName('later');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  const port = await freePort();
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name, port, launcher: '\n      queue_timeout: 3s', slurm: ', extra_args: ["--begin=now+1hour"]' }));
  const res = await aifb(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  const [job] = submittedIds(res.stderr);
  assert.match(res.stderr, new RegExp(`Slurm job ${job} PENDING \\(BeginTime\\)`));
  assert.match(res.stderr, new RegExp(`Slurm job ${job} still PENDING \\(BeginTime\\) after 3 s in the queue`));
  assert.deepEqual(liveJobs(name), []);
  assert.equal(finalState(job).state, 'CANCELLED');
});

test('Ctrl-C: while the job is pending and while the service runs, aifb cancels it and nothing is left', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  for (const phase of ['pending', 'running'] as const) {
    const name = uniqueName(`int-${phase}`);
    t.after(() => sweep(name));
    const port = await freePort();
    const extra = phase === 'pending' ? { slurm: ', extra_args: ["--hold"]' } : {};
    writeFileSync(join(dir, `${phase}.yaml`), webRecipe({ name, port, duration: '60s', ...extra }));
    const run = startAifb(['run', `${phase}.yaml`, '--out', `out-${phase}`, '--quiet'], { cwd: dir });
    const cue = phase === 'pending' ? /PENDING \(JobHeldUser\)/ : /is ready at/;
    assert.ok(await eventually(() => cue.test(run.output().stderr), 20_000), run.output().stderr);
    run.child.kill('SIGINT');
    const res = await run.done;
    assert.equal(res.code, 130, res.stderr);
    const [job] = submittedIds(res.stderr);
    assert.deepEqual(liveJobs(name), [], `${phase}: nothing left running or queued`);
    assert.equal(finalState(job!).state, 'CANCELLED');
  }
});
