// Overrides (--rate/--clients/--duration/--set) through a spawned aifb: applied in the
// order given, and carried to everything that reads the recipe again (local generator
// threads and processes, the Slurm client job and its generator steps), secrets never
// written into a generated script.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import { ensureSlurmCluster } from '../helpers/slurm-cluster.js';
import { freePort } from '../helpers/ports.js';
import { sweep, uniqueName, webRecipe } from '../slurm/helpers.js';
import type { Report } from '../../src/report/types.js';

function reportIn(dir: string): Report {
  const file = readdirSync(dir).find((f) => f.endsWith('_report.json'))!;
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;
}

/** Every file under dir, read as bytes; for "this text is written nowhere". */
function filesHolding(dir: string, text: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile() && readFileSync(join(dir, f)).toString('latin1').includes(text));
}

const recipe = (url: string, extra = '') => `services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: 30s
    load: {rate: 500, arrival: poisson}${extra}
`;

test('overrides apply in the order given: a later one wins, whichever flag it is', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), recipe('http://127.0.0.1:9/'));
  const rateOf = async (flags: string[]) => {
    const res = await runCli(['validate', 'r.yaml', '--json', ...flags], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    return JSON.stringify(JSON.parse(res.stdout));
  };
  const setLast = await rateOf(['--rate', '40', '--set', 'services.web.load.rate=60']);
  const rateLast = await rateOf(['--set', 'services.web.load.rate=60', '--rate', '40']);
  assert.match(setLast, /"rate":60\b/);
  assert.doesNotMatch(setLast, /"rate":40\b/);
  assert.match(rateLast, /"rate":40\b/);
  assert.doesNotMatch(rateLast, /"rate":60\b/);
});

for (const kind of ['thread', 'process'] as const) {
  test(`generators: 2 (${kind}s) run the overridden load, not the file's, and the report names the overrides in their order`, { timeout: 60_000 }, async (t) => {
    const server = await countingServer(t);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'r.yaml'), recipe(`${server.url}/hello`, `\n    generators: 2\n    generator_kind: ${kind}`));
    const flags = ['--set', 'services.web.load.arrival=constant', '--rate', '90', '--duration', '2s', '--rate', 'web=40'];
    const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', ...flags], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    const report = reportIn(join(dir, 'out'));
    const web = report.services.web!;
    // 40 req/s for 2 s, constant, shared by two generators: 80 starts (not 500 × 30 s, nor 90 × 2 s).
    assert.equal(web.load.scheduled_starts, 80, JSON.stringify(web.load));
    assert.equal(web.requests.total, 80);
    assert.equal(web.requests.failed, 0);
    assert.ok(server.state.answered >= 80, `the server answered ${server.state.answered}`);
    assert.deepEqual(report.provenance.overrides, ['--set services.web.load.arrival=constant', '--rate 90', '--duration 2s', '--rate web=40']);
  });
}

test('slurm script: the job gets the overrides in their order; a secret one only as a reference to the environment', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name: 'web', port: 18123, extra: '\n    generators: 2' }));
  const secret = 'Bearer s3cr3t-in-an-override';
  const res = await runCli(
    ['slurm', 'script', 'r.yaml', '--id', 'ovr', '--out', 'scripts', '--rate', '30', '--set', `services.web.headers.Authorization=${secret}`, '--duration', '3s', '--rate', 'web=25'],
    { cwd: dir },
  );
  assert.equal(res.code, 0, res.stderr);
  const client = readFileSync(join(dir, 'scripts', 'aifb-client.sbatch'), 'utf8');
  assert.match(client, / slurm generators .* --rate 30 --set 'services\.web\.headers\.Authorization=\$\{AIFB_OVERRIDE_1\}' --duration 3s --rate web=25$/m);
  assert.match(client, /^: "\$\{AIFB_OVERRIDE_1:\?AIFB_OVERRIDE_1 must be set/m);
  assert.deepEqual(filesHolding(dir, 's3cr3t'), [], 'the secret is in no generated file');
  // Printed instead of written: the same script, and the variable to set by hand.
  const printed = await runCli(['slurm', 'script', 'r.yaml', '--id', 'ovr', '--set', `services.web.headers.Authorization=${secret}`], { cwd: dir });
  assert.equal(printed.code, 0, printed.stderr);
  assert.ok(!printed.stdout.includes('s3cr3t'));
  assert.match(printed.stdout, /with AIFB_OVERRIDE_0 set to the secret value/);
});

test('slurm submit --wait: the client job and its generator steps run the overridden load; the secret travels only in the environment', { timeout: 120_000 }, async (t) => {
  ensureSlurmCluster();
  const name = uniqueName('ovr');
  t.after(() => sweep(name));
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe({ name, port: await freePort(), extra: '\n    generators: 2', load: '{rate: 200}', duration: '20s' }));
  const secret = 'Bearer s3cr3t-for-the-job';
  const flags = ['--set', `services.${name}.load.arrival=constant`, '--rate', '90', '--set', `services.${name}.headers.Authorization=${secret}`, '--duration', '3s', '--rate', `${name}=20`];
  const res = await runCli(['slurm', 'submit', 'r.yaml', '--id', `${name}-run`, '--wait', '--partition', 'cpu', '--time', '00:10:00', '--extra-arg=--overcommit', ...flags], { cwd: dir });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  const report = reportIn(join(dir, 'reports'));
  const web = report.services[name]!;
  // 20 req/s for 3 s, constant, over two generator steps (10 req/s each): 60 starts.
  assert.equal(web.load.requested_rate, 20);
  assert.equal(web.load.scheduled_starts, 60, JSON.stringify(web.load));
  assert.equal(web.requests.failed, 0);
  // The job was given the secret one as a \${AIFB_OVERRIDE_2} reference: provenance keeps the reference, never the value.
  const given = report.provenance.overrides ?? [];
  assert.equal(given.length, 5, given.join(' '));
  assert.deepEqual([given[0], given[1], given[3], given[4]], [`--set services.${name}.load.arrival=constant`, '--rate 90', '--duration 3s', `--rate ${name}=20`]);
  assert.match(given[2]!, new RegExp(`^--set services\\.${name}\\.headers\\.Authorization=\\$\\{AIFB_OVERRIDE_2\\}$`));
  assert.deepEqual(filesHolding(dir, 's3cr3t'), [], 'the secret is in no script, log, database or report');
});
