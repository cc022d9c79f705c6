// `aifb monitor up --slurm` on the real single-node Slurm cluster test/helpers/slurm-cluster.ts
// starts (root), with the Debian Prometheus and Pushgateway as the node's binaries. Grafana
// and Apptainer are not installable here: the job skips Grafana, and the Apptainer variant
// is checked by its script's content and shellcheck (and by failing clearly without apptainer).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { shellJoinWith } from '../../src/launch/quote.js';
import { monitoringDir } from '../../src/monitoring/stack/config.js';
import { answers } from '../../src/monitoring/stack/processes.js';
import { defaultImage, monitorJobScript } from '../../src/monitoring/stack/slurm-script.js';
import { ensureSlurmCluster } from '../helpers/slurm-cluster.js';
import { aifb, startAifb } from '../launch/helpers.js';
import { eventually as eventuallyTrue, finalState, liveJobs } from '../slurm/helpers.js';
import { eventually, freePort, promQuery, tempDir } from './helpers.js';

before(() => ensureSlurmCluster());

const node = hostname().split('.')[0]!;
const SECRET = 'gf-SECRET-never-in-scripts';

/** Cancels the job a failed assertion may have left behind, by the id up recorded. */
function cancelRecorded(t: { after(fn: () => void): void }, stateDir: string): void {
  t.after(() => {
    const file = join(stateDir, 'slurm-job.json');
    if (existsSync(file)) execFileSync('scancel', [(JSON.parse(readFileSync(file, 'utf8')) as { job: string }).job]);
  });
}

const jobOf = (out: string) => /submitted Slurm job (\d+)/.exec(out)?.[1];

test('monitor up --slurm: the stack runs as a job; status, a push scraped by the job’s Prometheus, down', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, 'mon');
  cancelRecorded(t, stateDir);
  const want = { prometheus: await freePort(), pushgateway: await freePort(), grafana: await freePort() };
  const common = ['--state-dir', stateDir, '--ssh-user', 'alice'];
  const up = await aifb(
    ['monitor', 'up', '--slurm', '--partition', 'cpu', '--time', '00:10:00', '--scrape-interval', '1s', '--ready-timeout', '30',
      '--prometheus-port', String(want.prometheus), '--pushgateway-port', String(want.pushgateway), '--grafana-port', String(want.grafana), ...common],
    { cwd: dir },
  );
  assert.equal(up.code, 0, up.stdout + up.stderr);
  const job = jobOf(up.stdout);
  assert.ok(job, up.stdout);
  assert.match(up.stdout, new RegExp(`Slurm job ${job} RUNNING on ${node}`));
  // Endpoints as the job wrote them: the node's short name and the ports it picked (the wanted ones were free).
  const ep = JSON.parse(readFileSync(join(stateDir, 'slurm-endpoints.json'), 'utf8')) as { host: string; job_id: string; ports: Record<string, number | null> };
  assert.deepEqual(ep, { host: node, port: want.pushgateway, job_id: job, ports: { prometheus: want.prometheus, pushgateway: want.pushgateway, grafana: null } });
  const prometheus = `http://${node}:${want.prometheus}`;
  const pushgateway = `http://${node}:${want.pushgateway}`;
  assert.match(up.stdout, new RegExp(`prometheus\\s+running\\s+${prometheus} \\(Slurm job ${job}\\)`));
  assert.match(up.stdout, /grafana\s+not installed/);
  assert.ok(up.stdout.includes(`ssh -L ${want.prometheus}:${node}:${want.prometheus} -L ${want.pushgateway}:${node}:${want.pushgateway} alice@login.lxp.lu -p 8822`), up.stdout);
  assert.ok(up.stdout.includes(`aifb run recipe.yaml --pushgateway ${pushgateway}`), up.stdout);
  const output = readFileSync(join(stateDir, `aifb-monitor-${job}.out`), 'utf8');
  assert.match(output, new RegExp(`grafana-server is not on the PATH of ${node}: Grafana skipped`));

  const status = await aifb(['monitor', 'status', ...common], { cwd: dir });
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, new RegExp(`pushgateway\\s+running\\s+${pushgateway} \\(Slurm job ${job}\\)\\n\\s+Slurm job ${job} RUNNING on ${node}`));
  assert.match(status.stdout, new RegExp(`prometheus\\s+running\\s+${prometheus}`));

  // A second up finds the job; a local up in the same state directory is refused.
  const again = await aifb(['monitor', 'up', '--slurm', ...common], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`Slurm job ${job} of this state directory is already RUNNING on ${node}`));
  const local = await aifb(['monitor', 'up', ...common], { cwd: dir });
  assert.equal(local.code, 2);
  assert.match(local.stderr, /holds a Slurm monitoring job; run aifb monitor down first/);

  // A metric pushed to the job's Pushgateway is scraped by the job's Prometheus (the shipped config, adapted).
  const res = await request(`${pushgateway}/metrics/job/slurm_test/benchmark_id/b1`, { method: 'PUT', body: 'aifb_slurm_monitor_probe 42\n' });
  await res.body.dump();
  assert.equal(res.statusCode, 200);
  let seen: { metric: Record<string, string>; value?: [number, string] }[] = [];
  await eventually('the job’s Prometheus scraped the push', async () => {
    seen = await promQuery(prometheus, 'aifb_slurm_monitor_probe');
    return seen.length > 0;
  }, 20_000);
  assert.equal(seen[0]!.value![1], '42');
  assert.equal(seen[0]!.metric.job, 'slurm_test', 'honor_labels keeps the pushed job');
  assert.equal(seen[0]!.metric.benchmark_id, 'b1');
  const target = await promQuery(prometheus, 'up{job="pushgateway"}');
  assert.deepEqual(target.map((s) => [s.metric.instance, s.value![1]]), [[`127.0.0.1:${want.pushgateway}`, '1']], 'scraped at the job’s own Pushgateway port');
  const rules = (await (await request(`${prometheus}/api/v1/rules`)).body.json()) as { data: { groups: { rules: unknown[] }[] } };
  assert.equal(rules.data.groups.flatMap((g) => g.rules).length, 3, 'the alerts are loaded');

  const down = await aifb(['monitor', 'down', ...common], { cwd: dir });
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, new RegExp(`Slurm job ${job} cancelled \\(was RUNNING on ${node}; now CANCELLED`));
  assert.deepEqual(liveJobs('aifb-monitor').filter((id) => id === job), []);
  assert.equal(finalState(job).state, 'CANCELLED');
  assert.equal(await answers(`${prometheus}/-/ready`), false, 'Prometheus stopped answering');
  assert.equal(await answers(`${pushgateway}/-/ready`), false, 'the Pushgateway stopped answering');
  assert.equal(existsSync(join(stateDir, 'slurm-job.json')), false, 'the record is gone');
  assert.equal(existsSync(join(stateDir, 'slurm-endpoints.json')), false);
  const after = await aifb(['monitor', 'status', ...common], { cwd: dir });
  assert.match(after.stdout, /pushgateway\s+stopped/);
});

/** A PATH with everything of /usr/bin except Prometheus (Debian merges /bin into /usr/bin). */
function pathWithout(dir: string, missing: RegExp): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const name of readdirSync('/usr/bin')) if (!missing.test(name)) symlinkSync(join('/usr/bin', name), join(bin, name));
  return `${bin}:/usr/sbin:/sbin`;
}

test('monitor up --slurm: a binary missing on the node fails with the job’s last lines; the job and the record are gone', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, 'mon');
  cancelRecorded(t, stateDir);
  const env = { PATH: pathWithout(dir, /^prometheus$/), GF_SECURITY_ADMIN_PASSWORD: '' };
  const up = await aifb(['monitor', 'up', '--slurm', '--state-dir', stateDir, '--time', '00:05:00', '--ready-timeout', '20'], { cwd: dir, env });
  assert.equal(up.code, 1, up.stdout + up.stderr);
  const job = jobOf(up.stdout)!;
  assert.match(up.stderr, new RegExp(`aifb: the monitoring stack: Slurm job ${job} ended before the service was ready: FAILED`));
  assert.match(up.stderr, new RegExp(`last \\d+ lines of ${stateDir.replace(/[.]/g, '\\.')}/aifb-monitor-${job}\\.out:\\n`));
  assert.match(up.stderr, new RegExp(`\\| aifb: prometheus is not on the PATH of ${node} \\(install it there, or use aifb monitor up --slurm --apptainer\\)`));
  assert.equal(finalState(job).state, 'FAILED');
  assert.equal(existsSync(join(stateDir, 'slurm-job.json')), false);
  // The generated Grafana password: a 0600 file the job reads, never in the script.
  const pwFile = join(stateDir, 'grafana', 'admin-password');
  assert.equal(statSync(pwFile).mode & 0o777, 0o600);
  const password = readFileSync(pwFile, 'utf8').trim();
  assert.ok(password.length >= 20);
  const script = readFileSync(join(stateDir, 'aifb-monitor.sbatch'), 'utf8');
  assert.ok(!script.includes(password), 'the generated password is not in the script');
  assert.ok(script.includes(`GF_SECURITY_ADMIN_PASSWORD=$(cat -- ${pwFile})`), script);
});

test('monitor --slurm: a server that dies at start shows its own log; a job ended behind aifb’s back is dead in status', { timeout: 90_000 }, async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, 'mon');
  cancelRecorded(t, stateDir);
  const fake = join(dir, 'fake');
  mkdirSync(fake);
  writeFileSync(join(fake, 'prometheus'), '#!/bin/sh\necho "err: opening storage failed: permission denied" >&2\nexit 1\n', { mode: 0o755 });
  const args = ['monitor', 'up', '--slurm', '--state-dir', stateDir, '--time', '00:05:00', '--ready-timeout', '20', '--no-grafana'];
  const bad = await aifb(args, { cwd: dir, env: { PATH: `${fake}:${process.env.PATH}` } });
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /the service exited before it was ready/);
  // The job's output carries the in-job check's tail of the server's own log.
  assert.match(bad.stderr, new RegExp(`  \\| last \\d+ lines of ${stateDir.replace(/[.]/g, '\\.')}/prometheus\\.log:\\n(  \\|   \\| .*\\n)*  \\|   \\| err: opening storage failed: permission denied\\n`));
  assert.match(bad.stderr, /\| aifb: prometheus did not become ready on \S+; ending the job/);
  assert.equal(existsSync(join(stateDir, 'slurm-job.json')), false);

  const up = await aifb(args, { cwd: dir });
  assert.equal(up.code, 0, up.stdout + up.stderr);
  const job = jobOf(up.stdout)!;
  assert.ok(!/grafana/.test(readFileSync(join(stateDir, `aifb-monitor-${job}.out`), 'utf8')), '--no-grafana: not even looked for');
  execFileSync('scancel', [job]);
  assert.ok(await eventuallyTrue(() => finalState(job).state === 'CANCELLED'));
  const status = await aifb(['monitor', 'status', '--state-dir', stateDir], { cwd: dir });
  assert.equal(status.code, 1, status.stdout);
  assert.match(status.stdout, new RegExp(`prometheus\\s+dead\\s+\\(Slurm job ${job}\\)\\n\\s+Slurm job ${job} CANCELLED`));
  const down = await aifb(['monitor', 'down', '--state-dir', stateDir], { cwd: dir });
  assert.equal(down.code, 0);
  assert.match(down.stdout, new RegExp(`Slurm job ${job} was not running \\(CANCELLED`));
  assert.equal(existsSync(join(stateDir, 'slurm-job.json')), false);
});

test('monitor up --slurm: Ctrl-C while the job waits in the queue cancels it (exit 130) and forgets it', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, 'mon');
  cancelRecorded(t, stateDir);
  const run = startAifb(['monitor', 'up', '--slurm', '--state-dir', stateDir, '--extra-arg=--hold'], { cwd: dir });
  assert.ok(await eventuallyTrue(() => /PENDING \(JobHeldUser\)/.test(run.output().stdout), 20_000), run.output().stdout);
  run.child.kill('SIGINT');
  const res = await run.done;
  assert.equal(res.code, 130, res.stdout + res.stderr);
  const job = jobOf(res.stdout)!;
  assert.match(res.stdout, new RegExp(`Slurm job ${job} cancelled`));
  assert.equal(finalState(job).state, 'CANCELLED');
  assert.equal(existsSync(join(stateDir, 'slurm-job.json')), false);
});

test('monitor up --slurm --apptainer: exec lines with binds and images, no secret, shellcheck clean; without apptainer the job fails clearly', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, 'mon');
  cancelRecorded(t, stateDir);
  // A pulled image in the cache is used instead of its docker:// reference.
  const cache = join(dir, 'images');
  mkdirSync(cache);
  writeFileSync(join(cache, 'prometheus_v2.53.3.sif'), '');
  const env = { GF_SECURITY_ADMIN_PASSWORD: SECRET, AIFB_IMAGE_CACHE: cache };
  const up = await aifb(['monitor', 'up', '--slurm', '--apptainer', '--pushgateway-image', '/project/images/pushgateway.sif', '--state-dir', stateDir, '--partition', 'cpu', '--account', 'p200981', '--time', '00:05:00'], { cwd: dir, env });
  assert.equal(up.code, 1, up.stdout + up.stderr);
  const job = jobOf(up.stdout)!;
  assert.match(up.stderr, new RegExp(`Slurm job ${job} ended before the service was ready: FAILED[\\s\\S]*\\| aifb: apptainer is not on the PATH of ${node} \\(module load Apptainer\\?\\)`));
  assert.equal(existsSync(join(stateDir, 'grafana', 'admin-password')), false, 'a password from the environment is not written down');

  const file = join(stateDir, 'aifb-monitor.sbatch');
  const script = readFileSync(file, 'utf8');
  assert.ok(!script.includes(SECRET), 'the password is not in the script');
  assert.match(script, /^#SBATCH --partition=cpu\n#SBATCH --account=p200981\n#SBATCH --time=00:05:00\n/m);
  const binds = `--bind ${stateDir} --bind ${monitoringDir}:${monitoringDir}:ro`;
  const srun = (image: string, cmd: string) => `srun --ntasks=1 --nodes=1 --overlap --kill-on-bad-exit=1 apptainer exec ${binds} ${image} ${cmd}`;
  assert.ok(script.includes(`${srun('/project/images/pushgateway.sif', 'pushgateway')} --web.listen-address=0.0.0.0:"\${PUSHGATEWAY_PORT}" --persistence.file=${stateDir}/pushgateway/metrics.store `), script);
  assert.ok(script.includes(`${srun(join(cache, 'prometheus_v2.53.3.sif'), 'prometheus')} --config.file=${stateDir}/prometheus/prometheus.yml `), script);
  assert.ok(script.includes(`${srun(defaultImage('grafana'), 'grafana server --homepath /usr/share/grafana')} >${stateDir}/grafana.log 2>&1 &`), script);
  assert.equal(defaultImage('grafana'), 'docker://grafana/grafana-oss:11.4.0', 'the base of containers/grafana.def');
  assert.ok(!/command -v prometheus/.test(script), 'no native binary lookup');
  assert.equal((script.match(/ \|\| not_ready (pushgateway|prometheus|grafana)$/gm) ?? []).length, 3, 'each server is checked for readiness in the job');
  execFileSync('shellcheck', ['--shell=bash', '--severity=style', file], { stdio: 'pipe' });
});

test('the native script is shellcheck clean with awkward paths; job-time values stay shell expansions', (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, "state dir with 'quotes'");
  const script = monitorJobScript({
    stateDir,
    slurm: { partition: 'cpu', time: '1-00:00:00', extra_args: ['--mem=4G'] },
    aifb: ['/opt/aifb/bin/aifb'],
    ports: { prometheus: 9090, pushgateway: 9091, grafana: 3000 },
    scrapeInterval: '5s',
    readyTimeoutS: 60,
    grafana: true,
  });
  const file = join(dir, 'native.sbatch');
  writeFileSync(file, script);
  execFileSync('shellcheck', ['--shell=bash', '--severity=style', file], { stdio: 'pipe' });
  assert.ok(script.includes(`'--config.file=${stateDir.replace(/'/g, `'\\''`)}/prometheus/prometheus.yml'`), 'paths are single-quoted literals');
  assert.match(script, /"\$\{PROMETHEUS_BIN\}" .*--web\.listen-address=0\.0\.0\.0:"\$\{PROMETHEUS_PORT\}"/);
  assert.match(script, /^#SBATCH --mem=4G$/m);
  // Only the named job-time variables expand; anything else that looks like one stays literal.
  assert.equal(shellJoinWith(['a:${PORT}:b', '${OTHER}', "it's $HOME"], ['PORT']), `a:"\${PORT}":b '\${OTHER}' 'it'\\''s $HOME'`);
});
