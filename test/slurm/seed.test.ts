// Seed recipes start their services (#20 item 3): a service with a slurm block and a
// container_image, no launcher, is a Slurm job with Apptainer under aifb slurm submit and
// aifb run --start-services. The scripts of the seed-style recipes in seed-recipes/ are
// checked as text; one of them runs on the real single-node cluster, with Apptainer stood
// in for by test/helpers/fake-apptainer.ts (it runs the same server natively).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/cli.js';
import { fakeApptainer } from '../helpers/fake-apptainer.js';
import { notRun } from '../helpers/live.js';
import { ensureSlurmCluster } from '../helpers/slurm-cluster.js';
import { aifb, freePort } from '../launch/helpers.js';
import { eventually, finalState, liveJobs, readReport, submittedIds, sweep, uniqueName } from './helpers.js';

const recipes = fileURLToPath(new URL('./seed-recipes/', import.meta.url));
const SEED_SLURM = ['--partition=gpu', '--account=p200981', '--qos=default', '--nodes=1', '--ntasks=1'];

/** The scripts `aifb slurm script` prints, by file name (aifb-<service>.sbatch, aifb-client.sbatch). */
function scripts(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of stdout.split(/^# ==== /m).slice(1)) {
    const [head, ...body] = part.split('\n');
    out[head!.replace(/ ====$/, '').split('/').at(-1)!] = body.join('\n');
  }
  return out;
}

/** The recipe's slurm script, or undefined (test not run) while aifb still refuses one of the seed's values. */
async function scriptOf(t: TestContext, file: string): Promise<Record<string, string> | undefined> {
  const res = await aifb(['slurm', 'script', join(recipes, file), '--time', '00:30:00'], { cwd: tempDir(t) });
  if (res.code === 2 && /sync_mode|use_direct_io/.test(res.stderr)) {
    notRun(t, `aifb does not accept the seed's boolean sync_mode/use_direct_io yet (#20 item 1): ${res.stderr.trim().split('\n').at(-1)}`);
    return undefined;
  }
  assert.equal(res.code, 0, res.stderr);
  return scripts(res.stdout);
}

function assertSeedService(text: string, o: { time: string; image: string; gpu: boolean }): void {
  for (const d of SEED_SLURM) assert.match(text, new RegExp(`^#SBATCH ${d}$`, 'm'));
  assert.match(text, new RegExp(`^#SBATCH --time=${o.time}$`, 'm'));
  assert.equal(/^#SBATCH --gres=gpu:1$/m.test(text), o.gpu, 'gres only where the recipe asks');
  const exec = new RegExp(`srun .* apptainer exec ${o.gpu ? '--nv ' : ''}--bind \\S+ ${o.image.replace(/[.:/]/g, '\\$&')} `);
  assert.match(text, exec);
  assert.match(text, /ENDPOINT_FILE.*\n[\s\S]*mv -f "\$ENDPOINT_FILE.tmp" "\$ENDPOINT_FILE"/);
}

test('aifb slurm script on the seed\'s recipe.yml: one job per service plus the client job, with the seed\'s Slurm values', async (t) => {
  const s = await scriptOf(t, 'recipe.yml');
  if (!s) return;
  assert.deepEqual(Object.keys(s).sort(), ['aifb-client.sbatch', 'aifb-ollama-llama2.sbatch', 'aifb-vllm-inference.sbatch']);
  assertSeedService(s['aifb-ollama-llama2.sbatch']!, { time: '01:00:00', image: 'docker://ollama/ollama', gpu: false });
  assertSeedService(s['aifb-vllm-inference.sbatch']!, { time: '01:00:00', image: 'docker://vllm/vllm-openai:latest', gpu: false });
  assert.match(s['aifb-vllm-inference.sbatch']!, /vllm\.entrypoints\.openai\.api_server --model facebook\/opt-125m --host 0\.0\.0\.0 --port 8000/);
  assert.match(s['aifb-client.sbatch']!, /^#SBATCH --account=p200981$/m);
  assert.match(s['aifb-client.sbatch']!, /^if \[ "\$#" -ne 2 \]/m);
});

test('aifb slurm script on the seed\'s recipe_multiple.yml: four service jobs; the PostgreSQL password is not in any script', async (t) => {
  const s = await scriptOf(t, 'recipe_multiple.yml');
  if (!s) return;
  assert.deepEqual(Object.keys(s).sort(), ['aifb-chromadb.sbatch', 'aifb-client.sbatch', 'aifb-ollama-llama2.sbatch', 'aifb-postgresql.sbatch', 'aifb-vllm-inference.sbatch']);
  assertSeedService(s['aifb-chromadb.sbatch']!, { time: '00:30:00', image: 'docker://chromadb/chroma:latest', gpu: true });
  assertSeedService(s['aifb-postgresql.sbatch']!, { time: '00:30:00', image: 'docker://postgres:16', gpu: true });
  assert.match(s['aifb-chromadb.sbatch']!, /chroma run --path \/chroma\/data --host 0\.0\.0\.0 --port 8001/);
  assert.match(s['aifb-postgresql.sbatch']!, /docker-entrypoint\.sh postgres -p 5432 -h 0\.0\.0\.0/);
  assert.match(s['aifb-postgresql.sbatch']!, /^export POSTGRES_DB=benchmark_db$/m);
  for (const text of Object.values(s)) assert.doesNotMatch(text, /benchmark(?!_db)\b.*PASSWORD|PASSWORD=benchmark/);
});

test('aifb slurm script on the seed\'s recipe_comprehensive.yml: seven service jobs (faiss and the file storage run inside aifb)', async (t) => {
  const s = await scriptOf(t, 'recipe_comprehensive.yml');
  if (!s) return;
  const services = ['ollama-llama2', 'vllm-opt-125m', 'triton-inference', 'chromadb', 'weaviate', 'postgresql', 'minio-s3'];
  assert.deepEqual(Object.keys(s).sort(), [...services.map((x) => `aifb-${x}.sbatch`), 'aifb-client.sbatch'].sort());
  assertSeedService(s['aifb-triton-inference.sbatch']!, { time: '01:00:00', image: 'docker://nvcr.io/nvidia/tritonserver:23.10-py3', gpu: true });
  assertSeedService(s['aifb-minio-s3.sbatch']!, { time: '01:00:00', image: 'docker://minio/minio:latest', gpu: true });
  assert.match(s['aifb-postgresql.sbatch']!, /^export POSTGRES_DB=benchmark$/m);
  assert.match(s['aifb-minio-s3.sbatch']!, /^export MINIO_ROOT_USER$/m, 'the access key is required from the environment, not written');
  for (const text of Object.values(s)) assert.doesNotMatch(text, /minioadmin|PASSWORD=/, 'no credential in a script');
});

test('aifb validate says how and where each service starts, warns of two services asking for one port on one partition; an explicit launcher wins', async (t) => {
  const dir = tempDir(t);
  const res = await aifb(['validate', join(recipes, 'recipe.yml')], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /ollama-llama2 \(ollama\).*\n {4}starts: Slurm job on partition gpu \(account p200981, time 01:00:00, 1 node\(s\)\), apptainer exec --bind \S+ docker:\/\/ollama\/ollama ollama serve, ready on GET \/api\/version \(under aifb slurm submit or aifb run --start-services; a plain aifb run uses it as external at http:\/\/localhost:11434\)/);
  const clash = readFileSync(join(recipes, 'recipe.yml'), 'utf8').replace('port: 8000', 'port: 11434');
  writeFileSync(join(dir, 'clash.yaml'), clash);
  const warned = await aifb(['validate', 'clash.yaml'], { cwd: dir });
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /warning: services "ollama-llama2" and "vllm-inference" both ask for port 11434 and may start on a node of partition gpu/);
  const local = clash.replace('    model: llama2', '    model: llama2\n    launcher: {type: local, command: [ollama, serve]}');
  writeFileSync(join(dir, 'local.yaml'), local);
  const own = await aifb(['validate', 'local.yaml', '--json'], { cwd: dir });
  assert.equal(own.code, 0, own.stderr);
  const starts = (JSON.parse(own.stdout) as { services: { name: string; start: { how: string; text: string } }[] }).services;
  assert.equal(starts[0]!.start.how, 'local');
  assert.match(starts[0]!.start.text, /^local process, ollama serve, ready on GET \/api\/version$/);
  assert.equal(starts[1]!.start.how, 'slurm (seed form)');
});

/** A seed-style recipe for the single-node cluster: the seed's ollama service, on partition cpu. */
function seedOllama(name: string, port: number): string {
  return `benchmark: {name: seed-on-slurm}
global: {logs_dir: logs, metrics_db: metrics.db, reports_dir: reports}
services:
  - service_name: ${name}
    service_type: ollama
    container_image: docker://ollama/ollama
    port: ${port}
    client_count: 2
    requests_per_second: 20
    duration: 2
    service_url: http://localhost:${port}
    model: llama2
    slurm: {partition: cpu, time: "00:10:00", nodes: 1, ntasks: 1}
`;
}

test('seed recipe on the real cluster: aifb slurm submit and aifb run --start-services submit the service job, follow it, benchmark it and cancel it', { timeout: 120_000 }, async (t) => {
  ensureSlurmCluster();
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  const env = { PATH: `${fakeApptainer(dir)}:${process.env.PATH}` };
  for (const how of ['submit', 'run'] as const) {
    const name = uniqueName(`seed-${how}`);
    t.after(() => sweep(name));
    writeFileSync(join(dir, `${how}.yaml`), seedOllama(name, await freePort()));
    const args =
      how === 'submit'
        ? ['slurm', 'submit', `${how}.yaml`, '--id', `${name}-run`, '--wait', '--partition', 'cpu', '--time', '00:10:00']
        : ['run', `${how}.yaml`, '--start-services', '--out', `out-${how}`, '--quiet'];
    const res = await aifb(args, { cwd: dir, env });
    assert.equal(res.code, 0, `${how}: ${res.stdout}\n${res.stderr}`);
    const [service] = submittedIds(res.stderr);
    assert.ok(service, res.stderr);
    assert.match(res.stderr, new RegExp(`(?:job ${service}\\): |Slurm job ${service} )RUNNING on ${hostname().split('.')[0]}`));
    const report = readReport(join(dir, how === 'submit' ? 'reports' : `out-${how}`));
    const s = report.services[name]!;
    // Poisson arrivals at the seed's 20 req/s for 2 s: about 40, every one answered by the job's server.
    assert.ok(s.requests.total >= 15, `${how}: ${s.requests.total} requests`);
    assert.equal(s.requests.failed, 0);
    assert.ok(await eventually(() => liveJobs(name).length === 0), `${how}: nothing left queued or running`);
    assert.equal(finalState(service!).state, 'CANCELLED', `${how}: the service job was cancelled`);
    assert.match(readFileSync(join(dir, 'logs', 'slurm', ...(how === 'submit' ? [`${name}-run`] : []), `aifb-${name}-${service}.service.log`), 'utf8'), /fake apptainer: exec docker:\/\/ollama\/ollama ollama serve/);
  }
});
