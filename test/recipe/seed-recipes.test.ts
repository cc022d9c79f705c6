// The seed's recipes, and recipes written its way (test/fixtures/seed-recipes/README.md):
// each validates with the seed's values read as its code read them, and runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { seedBoolean } from '../../src/recipe/seed.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { repoRoot, runCli } from '../helpers/cli.js';

const dir = join(repoRoot, 'test', 'fixtures', 'seed-recipes');
/** Values for the fixtures' `${…}` references when they are only validated. */
const env = {
  SEED_BASE: '/tmp/aifb-seed',
  PG_PORT: '5432',
  PG_USER: 'bench',
  PG_PASSWORD: 'pw-from-env',
  PG_DATABASE: 'benchdb',
  S3_URL: 'http://127.0.0.1:9000',
  S3_KEY: 'key',
  S3_SECRET: 'secret-from-env',
  CHROMA_PORT: '8000',
  SIM_PORT: '8000',
  SIM_URL: 'http://127.0.0.1:8000',
};
const load = (name: string) => loadRecipeFile(join(dir, name), { registry: builtinRegistry, env });
const fieldsOf = (plan: ReturnType<typeof load>, name: string) => {
  const s = plan.services.find((x) => x.name === name);
  assert.ok(s, `no service ${name}`);
  return s;
};

describe("the seed's three recipe files", () => {
  for (const file of ['recipe.yml', 'recipe_comprehensive.yml', 'recipe_multiple.yml']) {
    test(`${file} validates unchanged (aifb validate exits 0, the seed's notes on stderr)`, async () => {
      const res = await runCli(['validate', join(dir, file)]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /valid, \d+ service\(s\)/);
      assert.match(res.stderr, /^seed: .*requests_per_second is the service's total offered rate/m);
      assert.doesNotMatch(res.stderr, /cannot run it yet/);
    });
  }

  test('recipe_comprehensive.yml: sync_mode/use_direct_io false, backend postgresql, the seed\'s resnet50 Triton', () => {
    const plan = load('recipe_comprehensive.yml');
    const files = fieldsOf(plan, 'file-storage');
    assert.equal(files.fields.sync_mode, 'none');
    assert.equal(files.fields.use_direct_io, false);
    const pg = fieldsOf(plan, 'postgresql');
    assert.equal(pg.backend, 'postgres');
    assert.ok(builtinRegistry.resolve(pg.type, pg.backend), 'runnable, not "cannot run it yet"');
    assert.equal(fieldsOf(plan, 'minio-s3').backend, 'aws-sdk');
    assert.ok(plan.seedNotes?.some((n) => /"triton-inference": .*reads the model's metadata/.test(n)));
    assert.ok(plan.seedNotes?.some((n) => /"chromadb"\.batch_size: .*insert_batch: 10/.test(n)));
    assert.ok(plan.seedNotes?.some((n) => /"weaviate": no operation_mix/.test(n)));
    // The plain-text secrets are accepted, warned about, and kept out of the stored text.
    assert.ok(plan.warnings.some((w) => /services\[6\]\.password is written in the recipe in plain text/.test(w)));
    assert.ok(!plan.redactedText.includes('minioadmin'));
    assert.ok(!/password: benchmark/.test(plan.redactedText));
  });

  test('aifb validate --json lists the seed notes apart from the warnings', async () => {
    const res = await runCli(['validate', join(dir, 'recipe_multiple.yml'), '--json']);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { valid: boolean; warnings: string[]; seed_notes: string[] };
    assert.equal(out.valid, true);
    assert.ok(out.seed_notes.some((n) => /"chromadb": no dimension, so aifb's default applies; the seed's was 384/.test(n)), out.seed_notes.join('\n'));
    assert.ok(out.warnings.some((w) => /POSTGRES_PASSWORD is written in the recipe in plain text/.test(w)));
    assert.ok(!out.seed_notes.some((n) => n.includes('benchmark_db') || /: benchmark\b/.test(n)), 'no value of a secret in the notes');
  });

  test('recipe_multiple.yml: PostgreSQL without a backend, host/port from service_url, credentials from its environment', () => {
    const plan = load('recipe_multiple.yml');
    const pg = fieldsOf(plan, 'postgresql');
    assert.equal(pg.backend, 'postgres');
    assert.equal(pg.fields.host, 'localhost');
    assert.equal(pg.fields.port, 5432);
    assert.equal(pg.fields.password, 'benchmark');
    assert.equal(pg.fields.database, 'benchmark_db');
    assert.equal(fieldsOf(plan, 'chromadb').backend, 'chromadb');
    assert.ok(!plan.redactedText.includes('POSTGRES_PASSWORD: benchmark'));
    assert.ok(plan.seedNotes?.some((n) => /password, database taken from environment POSTGRES_PASSWORD, POSTGRES_DB/.test(n)));
  });
});

describe('recipes written the seed\'s way', () => {
  test('every fixture validates', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    assert.ok(files.length >= 9, files.join(', '));
    for (const f of files) assert.ok(load(f).services.length > 0, f);
  });

  test('booleans and YAML 1.1 words where aifb has its own words; the seed\'s backend names', () => {
    const fs = load('seed-file-storage.yml');
    assert.deepEqual(
      ['fs-fsync', 'fs-nosync', 'fs-yes'].map((n) => [fieldsOf(fs, n).fields.sync_mode, fieldsOf(fs, n).fields.use_direct_io]),
      [
        ['fsync', false],
        ['none', false],
        ['fsync', undefined],
      ],
    );
    const forms = load('seed-launch-forms.yml');
    assert.equal(fieldsOf(forms, 'files').fields.use_direct_io, false, '"No"');
    assert.equal(fieldsOf(forms, 'files').fields.sync_mode, 'none', '"False"');
    assert.equal(fieldsOf(forms, 'files').backend, 'posix', 'backend: file_storage is the type\'s own');
    const llm = load('seed-llm.yml');
    assert.equal(fieldsOf(llm, 'ollama-llama2').backend, undefined);
    assert.equal(fieldsOf(llm, 'triton-llm').backend, undefined);
    assert.equal(fieldsOf(load('seed-storage.yml'), 'minio-env').backend, 'aws-sdk');
    for (const v of [true, 'yes', 'Yes', 'YES', 'on', 'ON', 'True', 1]) assert.equal(seedBoolean(v), true, String(v));
    for (const v of [false, 'no', 'No', 'off', 'OFF', 'FALSE', 0]) assert.equal(seedBoolean(v), false, String(v));
    for (const v of ['fsync', 'y', 2, null]) assert.equal(seedBoolean(v), undefined, String(v));
  });

  test('Slurm values as the seed wrote them into #SBATCH lines; a quoted port; container_image forms', () => {
    const forms = load('seed-launch-forms.yml');
    const ollama = fieldsOf(forms, 'ollama-docker').fields;
    assert.equal(ollama.port, 11434);
    assert.deepEqual(ollama.slurm, { partition: 'gpu', account: '200981', time: '60', nodes: 1, ntasks: 1, qos: 'default', gres: 'gpu:1' });
    assert.equal((fieldsOf(forms, 'vllm-sif').fields.slurm as { time: string }).time, '1:00:00');
    assert.equal(fieldsOf(forms, 'chroma-bare').fields.container_image, 'chromadb/chroma:latest', 'kept as written');
    const notes = forms.seedNotes ?? [];
    assert.ok(notes.some((n) => /"chroma-bare"\.container_image: .*write docker:\/\/chromadb\/chroma:latest/.test(n)));
    assert.ok(!notes.some((n) => /"(ollama-docker|vllm-sif|triton-path)"\.container_image/.test(n)), 'docker://, .sif and paths need no note');
    assert.ok(notes.some((n) => /"ollama-docker"\.slurm\.gres: .*never wrote gres/.test(n)));
    assert.ok(notes.some((n) => /"vllm-sif": no duration, so the service runs for benchmark.duration \(3600s\)/.test(n)));
    assert.equal(forms.global.logsDir, 'results/logs');
    assert.equal(forms.global.metricsDb, 'results/metrics.db');
  });

  test('sizes: 1KB … 100MB are 1024-based as the seed\'s tables; keys outside them are real sizes, with a note', () => {
    const forms = load('seed-launch-forms.yml');
    const notes = forms.seedNotes ?? [];
    assert.ok(notes.some((n) => /"objects"\.object_sizes\.100MB: "100MB" is 104857600 bytes; the seed's table had no "100MB"/.test(n)));
    assert.ok(notes.some((n) => /"objects"\.object_sizes\.4KB: "4KB" is 4096 bytes/.test(n)));
    assert.ok(!notes.some((n) => /"files"\.file_sizes/.test(n)), 'every file size is in the seed\'s file table');
    assert.ok(notes.some((n) => /"objects": no bucket_name; using "benchmark-bucket"/.test(n)));
    assert.ok(notes.some((n) => /"objects"\.service_url: the seed's S3 client replaced the port .* with 9000/.test(n)));
  });

  test('credentials from environment stay secrets; a value the seed would not take is still refused at its line', () => {
    const plan = load('seed-databases.yml');
    const pg = fieldsOf(plan, 'postgresql').fields;
    assert.deepEqual([pg.host, pg.port, pg.user, pg.password, pg.database], ['127.0.0.1', 5432, 'bench', 'pw-from-env', 'benchdb']);
    assert.ok(!plan.redactedText.includes('pw-from-env'));
    assert.equal(fieldsOf(load('seed-storage.yml'), 'minio-env').fields.secret_key, 'secret-from-env');
    assert.throws(
      () =>
        loadRecipeText('services:\n  - service_name: f\n    service_type: file_storage\n    sync_mode: maybe\n', 'r.yaml', { registry: builtinRegistry, env }),
      (err: Error) => /r\.yaml:4:\d+: .*sync_mode "maybe" is not supported/.test(err.message),
    );
  });
});
