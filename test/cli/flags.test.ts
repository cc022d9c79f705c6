import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';
import type { Report } from '../../src/report/types.js';

const quickstart = 'examples/quickstart.yaml';

test('a mistyped flag or command: one line with a did-you-mean, exit 2, no stack', async () => {
  const flag = await runCli(['run', quickstart, '--max-wrkers', '3']);
  assert.equal(flag.code, 2);
  assert.equal(flag.stderr.trim().split('\n').length, 1, flag.stderr);
  assert.match(flag.stderr, /^aifb: run: unknown option '--max-wrkers' \(Did you mean --max-workers\?\)/);
  const cmd = await runCli(['valdate', quickstart]);
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /unknown command "valdate" \(did you mean validate\?\)/);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Commands:\n\s+run\s+run a benchmark recipe/);
  assert.match(help.stdout, /completion\s+print a shell completion script/);
});

test('aifb completion bash completes commands and a command\'s flags in a real bash', async (t) => {
  const res = await runCli(['completion', 'bash']);
  assert.equal(res.code, 0, res.stderr);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'c.sh'), res.stdout);
  const complete = (...words: string[]) =>
    execFileSync('bash', ['-c', `source ${join(dir, 'c.sh')}; COMP_WORDS=(${words.map((w) => `"${w}"`).join(' ')}); COMP_CWORD=${words.length - 1}; _aifb; echo "\${COMPREPLY[*]}"`]).toString().trim();
  assert.equal(complete('aifb', 'val'), 'validate');
  assert.equal(complete('aifb', 'run', '--max'), '--max-workers');
  assert.deepEqual(complete('aifb', 'run', '--r').split(' '), ['--rate', '--recipe']);
  assert.equal(complete('aifb', 'slurm', 'sub'), 'submit');
  const bad = await runCli(['completion', 'fish']);
  assert.equal(bad.code, 2);
});

test('--out naming an existing file: one clear error, exit 2, the file untouched (run and slurm script)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'mine.txt'), 'keep me');
  for (const args of [['run', join(process.cwd(), quickstart), '--out', 'mine.txt', '--quiet'], ['slurm', 'script', join(process.cwd(), 'examples/seed-recipe.yaml'), '--out', 'mine.txt']]) {
    const res = await runCli(args, { cwd: dir });
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, /--out mine\.txt is an existing file, not a directory/);
    assert.doesNotMatch(res.stderr, /EEXIST|unexpected error|\n\s+at /);
    assert.equal(readFileSync(join(dir, 'mine.txt'), 'utf8'), 'keep me');
  }
});

test('aifb validate a.yaml b.yaml checks both and takes the override flags', async () => {
  const res = await runCli(['validate', quickstart, 'examples/seed-recipe.yaml', '--rate', 'files-open-loop=20', '--json']);
  assert.equal(res.code, 2, 'seed-recipe has no files-open-loop: the override is an error there');
  const [q, seed] = JSON.parse(res.stdout) as { valid: boolean; overrides?: string[]; error?: string }[];
  assert.equal(q!.valid, true);
  assert.deepEqual(q!.overrides, ['--rate files-open-loop=20']);
  assert.equal(seed!.valid, false);
  assert.match(seed!.error!, /--rate files-open-loop=20: the recipe has no service "files-open-loop"/);
});

test('overrides: a bad path or value is a clear error naming the flag, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['--set', 'services.files-opn-loop.load.rate=5'], /no service "files-opn-loop" \(did you mean files-open-loop\?\)/],
    [['--set', 'services.files-open-loop.load.rat=5'], /quickstart\.yaml:\d+:\d+: services\[0\]\.load\.rat: unknown key "rat"; did you mean "rate"\? \(set by --set services\.files-open-loop\.load\.rat=5\)/],
    [['--rate', 'files-open-loop=fast'], /services\[0\]\.load\.rate: expected number, got text "fast" \(set by --rate files-open-loop=fast\)/],
    [['--duration', 'forever'], /services\[0\]\.duration: .*\(set by --duration forever\)/],
    [['--set', 'load.rate=5'], /--set load\.rate=5: a path starts with services, global or benchmark/],
    [['--set', 'services.files-open-loop.load.rate.x=5'], /cannot set services\[0\]\.load\.rate\.x: a part of that path is a value/],
    [['--set', 'global.seed'], /expected PATH=VALUE/],
  ];
  for (const [flags, expect] of cases) {
    const res = await runCli(['validate', quickstart, ...flags]);
    assert.equal(res.code, 2, `${flags.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, expect);
    assert.doesNotMatch(res.stderr, /\n\s+at |unexpected error/);
  }
});

test('aifb run --rate/--duration/--clients/--set: the run uses them and the report, HTML and summary record them', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: open
    service_type: http
    url: ${server.url}/hello
    duration: 30s
    load: {rate: 500, arrival: poisson}
  - service_name: closed
    service_type: http
    url: ${server.url}/hello
    duration: 30s
    load: {clients: 8, think_time: 10ms}
`,
  );
  const flags = ['--rate', '40', '--duration', '2s', '--clients', 'closed=2', '--set', 'services.open.load.arrival=constant'];
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', ...flags], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  const open = report.services.open!;
  assert.equal(open.load.requested_rate, 40);
  assert.equal(open.load.scheduled_starts, 80, 'constant 40 req/s for 2 s');
  assert.equal(report.services.closed!.load.mode, 'closed');
  assert.equal(report.services.closed!.load.clients, 2);
  // In the order given on the command line.
  const expected = ['--rate 40', '--duration 2s', '--clients closed=2', '--set services.open.load.arrival=constant'];
  assert.deepEqual(report.provenance.overrides, expected);
  assert.match(res.stdout, /^Overrides: --rate 40 {2}--duration 2s {2}--clients closed=2 {2}--set services\.open\.load\.arrival=constant$/m);
  const html = readFileSync(join(dir, 'out', file.replace('_report.json', '_report.html')), 'utf8');
  assert.match(html, /overrides<\/td><td[^>]*>\[&#34;--rate 40&#34;/);
  // Rebuilt from the database alone, the report still names them: they live in the stored recipe.
  const rebuilt = await runCli(['report', join(dir, 'out', 'metrics.db'), '--json']);
  assert.deepEqual((JSON.parse(rebuilt.stdout) as Report).provenance.overrides, expected);
});

test('a secret given with --set reaches neither the database, the report nor the HTML (command line included)', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `services:\n  - service_name: web\n    service_type: http\n    url: ${server.url}/hello\n    duration: 1s\n    load: {clients: 1}\n`);
  const secret = 'hunter2-from-the-command-line';
  // A real process: the command line stored in the provenance is its own argv. Not a sync
  // spawn: this process serves the requests.
  await promisify(execFile)(process.execPath, [join(repoRoot, 'dist', 'cli', 'bin.js'), 'run', 'r.yaml', '--out', 'out', '--quiet', '--set', `services.web.headers.Authorization=Bearer ${secret}`], { cwd: dir });
  for (const f of readdirSync(join(dir, 'out'), { recursive: true }) as string[]) {
    if (!statSync(join(dir, 'out', f)).isFile()) continue;
    const text = readFileSync(join(dir, 'out', f)).toString('latin1');
    assert.ok(!text.includes(secret), `${f} holds the secret`);
  }
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  assert.match((JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report).provenance.command_line ?? '', /Authorization=\*\*\*/);
});
