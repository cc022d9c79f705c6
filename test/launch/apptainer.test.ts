// Apptainer cannot be installed here (not in Debian bookworm, no network): the batch
// scripts aifb writes for it are checked against reviewed golden files and by shellcheck.
// UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apptainerArgv, bindSpec, imageFor, pullArgv, sifName } from '../../src/launch/apptainer.js';
import { wantsGpu } from '../../src/launch/config.js';
import { buildSubmission } from '../../src/launch/submit.js';
import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { aifb } from './helpers.js';

const golden = fileURLToPath(new URL('./golden/', import.meta.url));
const env = { HF_TOKEN: 'hf_SECRET_never_in_scripts', PGPASSWORD: 'pg-SECRET-never', MINIO_ROOT_USER: 'bench', MINIO_ROOT_PASSWORD: 'minio-SECRET-never', AIFB_IMAGE_CACHE: '/scratch/aifb/images' };

function scripts() {
  const text = readFileSync(join(golden, 'recipe.yaml'), 'utf8');
  const plan = loadRecipeText(text, '/scratch/aifb/work/recipe.yaml', { registry: builtinRegistry, env });
  return buildSubmission(plan, { benchmarkId: 'golden', cwd: '/scratch/aifb/work', registry: builtinRegistry, aifb: ['aifb'], client: { account: 'p200981', time: '01:00:00' }, env });
}

test('generated Apptainer service and client scripts match the reviewed golden files and pass shellcheck', () => {
  const s = scripts();
  const files = [...s.services, s.client].map((f) => ({ name: f.file.split('/').at(-1)!, text: f.text }));
  for (const f of files) {
    const path = join(golden, f.name);
    if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, f.text);
    assert.equal(f.text, readFileSync(path, 'utf8'), `${f.name} differs from its golden file (UPDATE_GOLDEN=1 after review)`);
    for (const secret of Object.values(env).filter((v) => v.includes('SECRET'))) assert.ok(!f.text.includes(secret), `${f.name} holds a secret`);
  }
  assert.deepEqual(readdirSync(golden).filter((f) => f.endsWith('.sbatch')).sort(), files.map((f) => f.name).sort(), 'no stale golden file');
  const paths = files.map((f) => join(golden, f.name));
  execFileSync('shellcheck', ['--shell=bash', '--severity=style', ...paths], { stdio: 'pipe' });
});

test('--nv only for services that ask Slurm for a GPU; report §6.3.2 bind mounts for persistent data', () => {
  const byName = Object.fromEntries(scripts().services.map((f) => [f.service, f.text]));
  const run = (name: string) => /^srun .*$/m.exec(byName[name]!)![0];
  assert.match(run('ollama-llama2'), /apptainer exec --nv --bind \/scratch\/aifb\/ollama:\/root\/\.ollama docker:\/\/ollama\/ollama:0\.5\.7 ollama serve/);
  assert.match(run('vllm-opt'), /apptainer exec --nv .*--bind \/project\/hf:\/root\/\.cache\/huggingface\/hub:ro \/project\/images\/vllm-openai\.sif python3 -m vllm/);
  for (const cpu of ['chroma', 'pg', 'minio', 'weaviate']) assert.ok(!run(cpu).includes('--nv'), cpu);
  assert.match(run('chroma'), /--bind \/scratch\/aifb\/chroma:\/chroma\/data /);
  assert.match(run('pg'), /apptainer run --bind \/scratch\/aifb\/pgdata:\/var\/lib\/postgresql\/data docker:\/\/postgres:16 >/);
  assert.match(run('minio'), /--bind \/scratch\/aifb\/minio:\/data .*minio server \/data --address 0\.0\.0\.0:9000/);
  assert.match(run('weaviate'), /--bind \/scratch\/aifb\/weaviate:\/var\/lib\/weaviate docker:\/\/semitechnologies\/weaviate/);
  assert.ok(wantsGpu({ slurm: { gres: 'gpu' } }) && wantsGpu({ slurm: { gres: 'tmpdisk:10,gpu:h100:4' } }));
  assert.ok(!wantsGpu({ slurm: { gres: 'gpumem:1' } }) && !wantsGpu({ slurm: { gres: 'mps:100' } }) && !wantsGpu({}));
});

test('apptainer command lines: binds are checked, pulls go to the cache, cached images are used', () => {
  assert.deepEqual(apptainerArgv({ mode: 'exec', image: 'x.sif', gpu: false, binds: ['/a:/b:ro'], command: ['srv', '--port', '1'] }), ['apptainer', 'exec', '--bind', '/a:/b:ro', 'x.sif', 'srv', '--port', '1']);
  assert.throws(() => bindSpec('/a,/b:/c'), /comma/);
  assert.throws(() => bindSpec('/a:/b:rx'), /ro or rw/);
  assert.throws(() => apptainerArgv({ mode: 'exec', image: 'x.sif', gpu: false, binds: [], command: [] }), /needs a command/);
  assert.equal(sifName('docker://nvcr.io/nvidia/tritonserver:24.08-py3'), 'tritonserver_24.08-py3.sif');
  assert.deepEqual(pullArgv('docker://ollama/ollama:latest', '/c/'), { argv: ['apptainer', 'pull', '/c/ollama_latest.sif', 'docker://ollama/ollama:latest'], sif: '/c/ollama_latest.sif' });
  assert.deepEqual(pullArgv('docker://minio/minio', '/c', true).argv, ['apptainer', 'pull', '--force', '/c/minio.sif', 'docker://minio/minio']);
  assert.throws(() => pullArgv('/local/x.sif', '/c'), /not a docker/);
  assert.equal(imageFor('docker://ollama/ollama:latest', '/c', (p) => p === '/c/ollama_latest.sif'), '/c/ollama_latest.sif');
  assert.equal(imageFor('docker://ollama/ollama:latest', '/c', () => false), 'docker://ollama/ollama:latest');
  assert.equal(imageFor('/p/x.sif', '/c'), '/p/x.sif');
});

test('aifb containers pull --dry-run prints the apptainer pull lines for a recipe (golden)', async () => {
  const res = await aifb(['containers', 'pull', '--recipe', join(golden, 'recipe.yaml'), '--dir', '/scratch/aifb/images', '--dry-run'], { env });
  assert.equal(res.code, 0, res.stderr);
  const path = join(golden, 'pull.txt');
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, res.stdout);
  assert.equal(res.stdout, readFileSync(path, 'utf8'));
  const real = await aifb(['containers', 'pull', 'docker://ollama/ollama:latest', '--dir', '/tmp/aifb-no-apptainer'], { env: { PATH: '/usr/bin:/bin' } });
  assert.equal(real.code, 1);
  assert.match(real.stderr, /cannot run apptainer: .*ENOENT.*module load Apptainer/);
});
