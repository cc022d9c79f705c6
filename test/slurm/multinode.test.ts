// On a real four-node Slurm cluster in network namespaces (test/helpers/slurm-multinode.ts):
// services start as Slurm jobs on n1, the load runs as generators: 4 over n2 and n3, and
// nothing reaches a service except across the veth links. No mocks; Apptainer is stood in
// for by test/helpers/fake-apptainer.ts, which runs the same servers natively.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { fakeApptainer } from '../helpers/fake-apptainer.js';
import { notRun } from '../helpers/live.js';
import { multiNodeUnavailable, startMultiNodeCluster, type MultiNodeCluster } from '../helpers/slurm-multinode.js';
import { aifb, startAifb } from '../launch/helpers.js';
import { eventually, readReport, submittedIds, uniqueName } from './helpers.js';

let cluster: MultiNodeCluster | undefined;
const unavailable = multiNodeUnavailable();

before(() => {
  if (!unavailable) cluster = startMultiNodeCluster(4);
});
after(() => cluster?.teardown());

function need(t: TestContext): MultiNodeCluster | undefined {
  if (!cluster) notRun(t, unavailable ?? 'the multi-node cluster did not start');
  return cluster;
}

/** The seed's form of two services (slurm block + container_image), placed on n1; their load on generators. */
function seedRecipe(name: string, o: { llmLoad: string; pgLoad: string; duration: string }): string {
  return `benchmark: {name: multinode}
global: {logs_dir: logs, metrics_db: metrics.db, reports_dir: reports}
services:
  - service_name: ${name}-llm
    service_type: ollama
    container_image: docker://ollama/ollama
    port: 11434
    service_url: http://localhost:11434
    model: llama2
    duration: ${o.duration}
    generators: 4
    load: ${o.llmLoad}
    slurm: {partition: svc, time: "00:10:00", nodes: 1, ntasks: 1}
  - service_name: ${name}-pg
    service_type: database
    container_image: docker://postgres:16
    host: localhost
    port: 5432
    database: benchmark
    user: postgres
    password: \${MN_PG_PASSWORD}
    initial_rows: 200
    operation_mix: {select: 0.5, insert: 0.3, update: 0.2}
    duration: ${o.duration}
    generators: 4
    load: ${o.pgLoad}
    slurm: {partition: svc, time: "00:10:00", nodes: 1, ntasks: 1}
`;
}

function setup(t: TestContext, c: MultiNodeCluster, name: string, recipe: string) {
  const dir = tempDir(t, 'aifb-mn-');
  chmodSync(dir, 0o755); // the stand-in PostgreSQL runs as postgres and needs to reach its data dir
  writeFileSync(join(dir, 'r.yaml'), recipe);
  const env = { SLURM_CONF: c.conf, PATH: `${fakeApptainer(dir)}:${process.env.PATH}`, MN_PG_PASSWORD: `pw-${name}` };
  const args = ['slurm', 'submit', 'r.yaml', '--id', `${name}-run`, '--wait', '--partition', 'gen', '--time', '00:10:00', '--extra-arg=--nodes=2'];
  t.after(() => {
    const left = c.liveJobs(name);
    if (left.length) c.slurm('scancel', left);
  });
  return { dir, env, args };
}

function jobState(c: MultiNodeCluster, id: string): string {
  return /JobState=(\S+)/.exec(c.slurm('scontrol', ['show', 'job', '-o', id]))?.[1] ?? '';
}

/** The client job's output file, once it exists. */
function clientOut(dir: string, name: string): string {
  const d = join(dir, 'logs', 'slurm', `${name}-run`);
  const f = existsSync(d) ? readdirSync(d).find((x) => /-client-\d+\.out$/.test(x)) : undefined;
  return f ? readFileSync(join(d, f), 'utf8') : '';
}

/** Only the slurmd is left on each node: no server, generator or step outlived its job. */
function onlyDaemonsLeft(c: MultiNodeCluster): boolean {
  return c.nodes.every((n) => c.pidsIn(n.name).every((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'slurmd'));
}

test('multi-node fixture: four slurmds, each node its own address; a server on n1 is reached from n2 only at n1\'s address', { timeout: 60_000 }, async (t) => {
  const c = need(t);
  if (!c) return;
  const addrs = c.slurm('srun', ['-p', 'all', '-N4', '-n4', '-l', 'sh', '-c', 'echo "$SLURMD_NODENAME $(ip -4 -o addr show eth0 | awk \'{print $4}\')"']);
  const seen = Object.fromEntries(addrs.split('\n').map((l) => l.replace(/^\d+: /, '').split(' ')));
  assert.deepEqual(seen, Object.fromEntries(c.nodes.map((n) => [n.name, `${n.addr}/24`])));
  // A server in n1's namespace, bound on every address there.
  const server = spawn('srun', ['-p', 'all', '-w', 'n1', '-N1', '-n1', 'python3', '-m', 'http.server', '18080', '--bind', '0.0.0.0'], { env: c.env, stdio: 'ignore' });
  t.after(() => server.kill('SIGKILL'));
  const probe = (node: string, host: string) =>
    c.slurm('srun', ['-p', 'all', '-w', node, '-N1', '-n1', '--overlap', 'python3', '-c', `import socket\ntry:\n  socket.create_connection(("${host}", 18080), 2).close(); print("open")\nexcept OSError as e: print(type(e).__name__)`]);
  const n1 = c.nodes[0]!.addr;
  assert.ok(await eventually(() => probe('n2', n1) === 'open', 20_000), 'n2 reaches the server at n1\'s address');
  assert.equal(probe('n2', '127.0.0.1'), 'ConnectionRefusedError', 'n2\'s loopback is its own: the server is not there');
  assert.equal(probe('n1', '127.0.0.1'), 'open', 'on n1 itself, loopback reaches it');
});

test('multi-node: seed-form services start as jobs on n1, generators: 4 run on n2 and n3 against n1\'s address, shards merge losslessly, every job ends', { timeout: 120_000 }, async (t) => {
  const c = need(t);
  if (!c) return;
  const name = uniqueName('mn');
  const { dir, env, args } = setup(t, c, name, seedRecipe(name, { llmLoad: '{clients: 8, requests: 160}', pgLoad: '{clients: 8, requests: 400}', duration: '60s' }));
  const res = await aifb(args, { cwd: dir, env });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}\n${clientOut(dir, name)}`);
  const [llmJob, pgJob, client] = submittedIds(res.stderr);
  assert.ok(llmJob && pgJob && client, res.stderr);
  assert.match(res.stderr, new RegExp(`service "${name}-llm" \\(job ${llmJob}\\): RUNNING on n1`));
  assert.match(res.stderr, new RegExp(`service "${name}-pg" \\(job ${pgJob}\\): RUNNING on n1`));
  assert.match(res.stderr, new RegExp(`client \\(job ${client}\\): RUNNING on n\\[2-3\\]`));

  // The endpoints were discovered from the jobs: n1's own address, not localhost.
  const jobDir = join(dir, 'logs', 'slurm', `${name}-run`);
  for (const [svc, job, port] of [[`${name}-llm`, llmJob, 11434], [`${name}-pg`, pgJob, 5432]] as const) {
    const ep = JSON.parse(readFileSync(join(jobDir, `aifb-${svc}-${job}.endpoint.json`), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(ep, { host: c.nodes[0]!.addr, port, job_id: job, node: 'n1' });
  }
  const out = clientOut(dir, name);
  assert.match(out, new RegExp(`service "${name}-llm" is ready at ${c.nodes[0]!.addr.replace(/\./g, '\\.')}:11434`));
  assert.match(out, /4 generators as job steps: 0→n2, 1→n2, 2→n3, 3→n3/);
  assert.match(readFileSync(join(jobDir, `aifb-${name}-llm-${llmJob}.service.log`), 'utf8'), /fake apptainer: exec docker:\/\/ollama\/ollama ollama serve/);

  // Lossless merge: per service, the report's rows and histogram counts are the sums of the shards'.
  const report = readReport(join(dir, 'reports'));
  assert.equal(report.status, 'complete');
  assert.deepEqual(
    report.generators?.map((g) => [g.index, g.node, g.status]),
    [[0, 'n2', 'merged'], [1, 'n2', 'merged'], [2, 'n3', 'merged'], [3, 'n3', 'merged']],
  );
  const perShard = [0, 1, 2, 3].map((k) => {
    const db = new Database(join(jobDir, 'shards', `shard-${k}.db`), { readonly: true });
    const rows = db.prepare('SELECT service_name AS s, COUNT(*) AS n FROM metrics GROUP BY service_name').all() as { s: string; n: number }[];
    db.close();
    return Object.fromEntries(rows.map((r) => [r.s, r.n]));
  });
  for (const [svc, total] of [[`${name}-llm`, 160], [`${name}-pg`, 400]] as const) {
    const s = report.services[svc]!;
    const sum = perShard.reduce((a, p) => a + (p[svc] ?? 0), 0);
    assert.equal(sum, total, `${svc}: the shards hold every request`);
    assert.equal(s.requests.total, sum);
    assert.equal(s.requests.failed, 0, `${svc}: ${JSON.stringify(s.error)}`);
    assert.equal(s.histogram.counts.reduce((a, b) => a + b, 0), sum, `${svc}: histogram counts add up to the shards' rows`);
    assert.equal(s.clients.count, 8, `${svc}: client ids stay distinct across the four generators`);
  }
  assert.equal(report.generators!.reduce((a, g) => a + (g.requests ?? 0), 0), 560);

  // Every job ended: the client completed, it cancelled the service jobs, nothing runs on any node.
  assert.ok(await eventually(() => c.liveJobs(name).length === 0), 'nothing left queued or running');
  assert.equal(jobState(c, client!), 'COMPLETED');
  assert.equal(jobState(c, llmJob!), 'CANCELLED');
  assert.equal(jobState(c, pgJob!), 'CANCELLED');
  assert.ok(await eventually(() => onlyDaemonsLeft(c), 15_000), 'no server or generator outlived its job');
});

test('multi-node: Ctrl-C on slurm submit --wait while the generators run cancels every job on every node', { timeout: 90_000 }, async (t) => {
  const c = need(t);
  if (!c) return;
  const name = uniqueName('mnint');
  const { dir, env, args } = setup(t, c, name, seedRecipe(name, { llmLoad: '{rate: 20, max_in_flight: 8}', pgLoad: '{rate: 20, max_in_flight: 8}', duration: '60s' }));
  const run = startAifb(args, { cwd: dir, env });
  assert.ok(await eventually(() => /\[generator \d\] .*is ready at/.test(clientOut(dir, name)), 60_000), `${run.output().stderr}\n${clientOut(dir, name)}`);
  run.child.kill('SIGINT');
  const res = await run.done;
  assert.equal(res.code, 130, res.stderr);
  assert.match(res.stderr, /interrupted: cancelling jobs \d+ \d+ \d+/);
  for (const id of submittedIds(res.stderr)) assert.equal(jobState(c, id), 'CANCELLED', `job ${id}`);
  assert.deepEqual(c.liveJobs(name), []);
  assert.ok(await eventually(() => onlyDaemonsLeft(c), 20_000), 'no server or generator outlived its job');
});

test('multi-node: a generator node crashes mid-run: the run ends, the report is partial and names the missing shards, nothing is left queued', { timeout: 120_000 }, async (t) => {
  const c = need(t);
  if (!c) return;
  const name = uniqueName('mnfail');
  const { dir, env, args } = setup(t, c, name, seedRecipe(name, { llmLoad: '{rate: 20, max_in_flight: 8}', pgLoad: '{rate: 20, max_in_flight: 8}', duration: '16s' }));
  t.after(() => c.nodeState('n3') !== 'idle' && c.reviveNode('n3'));
  const run = startAifb(args, { cwd: dir, env });
  assert.ok(await eventually(() => /\[generator 3\] .*generator 3:/.test(clientOut(dir, name)), 60_000), `${run.output().stderr}\n${clientOut(dir, name)}`);
  await new Promise((r) => setTimeout(r, 3000));
  const killed = c.crashNode('n3');
  assert.ok(killed.length >= 3, `slurmd, the steps and the generators on n3 were killed (${killed.length} processes)`);
  const res = await run.done;
  const out = clientOut(dir, name);
  assert.equal(res.code, 1, `${res.stderr}\n${out}`);
  assert.match(out, /node n3 failed \(Slurm state DOWN[^)]*\) while generator 2 ran/);
  assert.match(out, /shard 2 missing \(node n3\)/);
  assert.match(out, /shard 3 missing \(node n3\)/);
  const report = readReport(join(dir, 'reports'));
  assert.equal(report.status, 'partial', `${out}\n${JSON.stringify({ g: report.generators, s: Object.values(report.services).map((x) => [x.status, x.error]) })}`);
  assert.equal(report.partial, true);
  const g = report.generators!;
  assert.deepEqual(g.map((x) => [x.index, x.node, x.status]), [[0, 'n2', 'merged'], [1, 'n2', 'merged'], [2, 'n3', 'missing'], [3, 'n3', 'missing']]);
  assert.match(g[2]!.note ?? '', /node n3 failed/);
  for (const svc of [`${name}-llm`, `${name}-pg`]) {
    const s = report.services[svc]!;
    assert.equal(s.status, 'partial');
    assert.match(s.error ?? '', /generator shard\(s\) missing: 2 \(node n3\)/);
    assert.ok(s.requests.successful > 0, `${svc}: the healthy generators' requests are kept`);
  }
  assert.equal(report.summary.total_requests, g[0]!.requests! + g[1]!.requests!);
  assert.ok(await eventually(() => c.liveJobs(name).length === 0), 'nothing left queued or running');
});
