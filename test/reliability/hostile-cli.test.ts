import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { countingServer } from '../helpers/http-server.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { PG_BIN, startPostgres } from '../helpers/postgres-server.js';
import { notRun } from '../helpers/live.js';

const webRecipe = (url: string, extra = '') => `services:
  - service_name: web
    service_type: http
    url: ${url}
    load: {clients: 1, requests: 20}
${extra}`;

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a SQLite file of someone else\'s as metrics_db is refused (exit 2) before a single byte of it changes', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  const foreign = join(dir, 'theirs.db');
  const db = new Database(foreign);
  db.exec("CREATE TABLE metrics (x INTEGER); INSERT INTO metrics VALUES (1);");
  db.close();
  const before = sha(foreign);
  writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: theirs.db}\n${webRecipe(`${server.url}/`)}`);
  const res = await runCli(['run', 'r.yaml', '--quiet'], { cwd: dir });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /theirs\.db is a SQLite database of something else, not an aifb metrics database \(tables: metrics\)/);
  assert.equal(sha(foreign), before, 'not a byte changed');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('theirs')), ['theirs.db'], 'no -wal, -shm or -journal beside it');
  assert.equal(server.state.answered, 0);
  const report = await runCli(['report', 'theirs.db'], { cwd: dir });
  assert.equal(report.code, 2, report.stderr);
  assert.match(report.stderr, /not an aifb metrics database/);
  assert.doesNotMatch(report.stderr, /unexpected error/);
  const missing = await runCli(['report', 'nothing.db'], { cwd: dir });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /cannot open metrics database .*nothing\.db: no such file/);
});

test('metrics_db: /dev/null, a directory or a FIFO is refused (exit 2) and leaves no journal', async (t) => {
  const dir = tempDir(t);
  const hadJournal = existsSync('/dev/null-journal');
  execFileSync('mkfifo', [join(dir, 'fifo.db')]);
  for (const target of ['/dev/null', dir, join(dir, 'fifo.db')]) {
    writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: ${JSON.stringify(target)}}\n${webRecipe('http://127.0.0.1:9/')}`);
    const res = await runCli(['run', 'r.yaml', '--quiet'], { cwd: dir });
    assert.equal(res.code, 2, `${target}: ${res.stderr}`);
    assert.match(res.stderr, /is not a regular file/);
  }
  if (!hadJournal) assert.equal(existsSync('/dev/null-journal'), false, '/dev/null-journal was not made');
});

test('--id is a plain name: path tricks are refused before anything runs, a reused id gets a clear exit 2', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe(`${server.url}/`));
  for (const id of ['../../../victim', 'x/s2/..', '..', '', 'a b', 'é']) {
    const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--id', id], { cwd: dir });
    assert.equal(res.code, 2, `${id}: ${res.stderr}`);
    assert.match(res.stderr, /is not a benchmark id/);
  }
  assert.equal(server.state.answered, 0, 'nothing ran');
  const first = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--id', 'run.1'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const again = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--id', 'run.1'], { cwd: dir });
  assert.equal(again.code, 2, again.stderr);
  assert.match(again.stderr, /benchmark id "run\.1" is already in .*metrics\.db: a run never overwrites another/);
  assert.doesNotMatch(again.stderr, /unexpected error|UNIQUE/);
  assert.equal(server.state.answered, 20, 'the second run sent nothing');
});

test('--grace is bounded (a timer past 2^31-1 ms would fire at once)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe('http://127.0.0.1:9/'));
  for (const g of ['1000000000', '0', '-1', 'NaN', 'Infinity']) {
    const res = await runCli(['run', 'r.yaml', '--quiet', `--grace=${g}`], { cwd: dir });
    assert.equal(res.code, 2, `${g}: ${res.stderr}`);
    assert.match(res.stderr, /--grace expects seconds between 0 and 3600/);
  }
});

test('a reports_dir that cannot be written is found before the run (exit 2), not after it', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'not-a-dir'), 'mine');
  for (const reports of [join(dir, 'not-a-dir'), '/proc/aifb-reports']) {
    writeFileSync(join(dir, 'r.yaml'), `global: {reports_dir: ${JSON.stringify(reports)}, metrics_db: ${JSON.stringify(join(dir, 'm.db'))}}\n${webRecipe(`${server.url}/`)}`);
    const res = await runCli(['run', 'r.yaml', '--quiet'], { cwd: dir });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /reports_dir .* cannot be written/);
  }
  assert.equal(server.state.answered, 0);
  assert.equal(readFileSync(join(dir, 'not-a-dir'), 'utf8'), 'mine');
});

test('prompt files: a FIFO is refused by validate; bad JSONL and a wrong ShareGPT shape name file:line, exit 2', async (t) => {
  const sim = await startLlmSimulator({ decode_ms: 1, ignore_eos: true });
  t.after(() => sim.close());
  const dir = tempDir(t);
  execFileSync('mkfifo', [join(dir, 'fifo.jsonl')]);
  writeFileSync(join(dir, 'bad.jsonl'), '{"prompt": "one"}\n{"prompt": "two"\n');
  writeFileSync(join(dir, 'noprompt.jsonl'), '{"prompt": "one"}\n\n[1, 2]\n');
  writeFileSync(join(dir, 'shape.json'), JSON.stringify({ conversations: [] }));
  writeFileSync(join(dir, 'broken.json'), '[\n  {"conversations": []},\n  {"conversations": [}\n]\n');
  const recipe = (source: string, file: string) => `services:
  - service_name: llm
    service_type: vllm
    service_url: ${sim.url}
    model: sim-llm
    max_tokens: 4
    prompts: {source: ${source}, file: ${JSON.stringify(join(dir, file))}}
    load: {clients: 1, requests: 5}
`;
  writeFileSync(join(dir, 'fifo.yaml'), recipe('jsonl', 'fifo.jsonl'));
  const fifo = await runCli(['validate', 'fifo.yaml'], { cwd: dir });
  assert.equal(fifo.code, 2, fifo.stderr);
  assert.match(fifo.stderr, /fifo\.yaml:7:\d+: .*prompt file .*fifo\.jsonl is not a regular file \(a FIFO, device or socket\)/);
  for (const [source, file, expect] of [
    ['jsonl', 'bad.jsonl', /bad\.jsonl:2: not a JSON object/],
    ['jsonl', 'noprompt.jsonl', /noprompt\.jsonl:3: each line needs a "prompt"/],
    ['sharegpt', 'shape.json', /shape\.json:1: a ShareGPT file is a JSON list/],
    ['sharegpt', 'broken.json', /broken\.json:3: not JSON/],
  ] as const) {
    writeFileSync(join(dir, 'r.yaml'), recipe(source, file));
    const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet'], { cwd: dir });
    assert.equal(res.code, 2, `${file}: ${res.stderr}`);
    assert.match(res.stderr, expect);
    assert.doesNotMatch(res.stderr, /\n\s+at |is not iterable|unexpected error/);
  }
});

test('PostgreSQL: an open loop sizes its pool from the server\'s max_connections; a wrong password is exit 2', { timeout: 180_000 }, async (t) => {
  if (!existsSync(join(PG_BIN, 'postgres'))) return notRun(t, `PostgreSQL is not installed at ${PG_BIN}`);
  const pg = await startPostgres({ settings: { fsync: 'off', max_connections: '20' } });
  t.after(() => pg.destroy());
  const dir = tempDir(t);
  const recipe = (password: string) => `services:
  - service_name: db
    service_type: postgresql
    host: ${pg.host}
    port: ${pg.port}
    user: ${pg.user}
    password: "\${PGPW}"
    database: ${pg.database}
    initial_rows: 100
    duration: 2s
    load: {rate: 200}
`.replace('${PGPW}', password);
  writeFileSync(join(dir, 'r.yaml'), recipe('${PGPW}'));
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--json'], { cwd: dir, env: { PGPW: pg.password } });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /has room for \d+ more connection\(s\) .*the pool opens \d+, not 1000/);
  assert.doesNotMatch(res.stderr + res.stdout, /too many clients/);
  const report = JSON.parse(res.stdout) as { services: Record<string, { requests: { total: number; failed: number } }> };
  assert.ok(report.services.db!.requests.total > 100);
  assert.equal(report.services.db!.requests.failed, 0);
  const wrong = await runCli(['run', 'r.yaml', '--out', 'out2', '--quiet'], { cwd: dir, env: { PGPW: 'not-the-Password-9' } });
  assert.equal(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /authentication failed/);
  assert.ok(!wrong.stderr.includes('not-the-Password-9'));
});

test('a server answering a garbage status line is counted as protocol errors', async (t) => {
  const server = createNetServer((sock) => {
    sock.on('data', () => sock.end('HTTP/1.1 abc nonsense\r\n\r\n'));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), webRecipe(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
  const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--json'], { cwd: dir });
  const report = JSON.parse(res.stdout) as { services: Record<string, { errors: Record<string, number> }> };
  assert.equal(report.services.web!.errors.protocol, 20, JSON.stringify(report.services.web!.errors));
});

test('a metrics database locked by another process gives one clear message, not "unexpected error"', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'r.yaml'), `global: {metrics_db: m.db}\n${webRecipe(`${server.url}/`)}`);
  const first = await runCli(['run', 'r.yaml', '--quiet'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const holder = new Database(join(dir, 'm.db'));
  holder.exec('BEGIN EXCLUSIVE');
  t.after(() => holder.close());
  const res = await runCli(['run', 'r.yaml', '--quiet'], { cwd: dir });
  assert.equal(res.code, 1, res.stderr);
  assert.match(res.stderr, /metrics database .*locked by another process/);
  assert.doesNotMatch(res.stderr, /unexpected error/);
});
