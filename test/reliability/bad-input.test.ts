import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { RecipeError } from '../../src/errors.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { runCli, repoRoot, tempDir } from '../helpers/cli.js';
import { BOUNDS } from '../../src/recipe/bounds.js';

const dir = join(repoRoot, 'test', 'fixtures', 'bad-recipes');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const opts = { registry: builtinRegistry, env: {} };

test('every recipe of the broken-recipe corpus gives one positioned, readable error', () => {
  assert.ok(files.length >= 15);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const literal = /^# expect: (.*)$/m.exec(text)?.[1];
    const expect = literal !== undefined ? new RegExp(literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : new RegExp(/^# expect-re: (.*)$/m.exec(text)![1]!);
    const line = Number(/^# line: (\d+)$/m.exec(text)![1]);
    let err: unknown;
    try {
      loadRecipeFile(join(dir, f), opts);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof RecipeError, `${f}: expected a RecipeError, got ${String(err)}`);
    assert.match(err.message, expect, `${f}: ${err.message}`);
    const issue = err.issues.find((i) => expect.test(`${i.path}: ${i.message}`)) ?? err.issues[0]!;
    assert.equal(issue.position?.line, line, `${f}: ${JSON.stringify(issue)}`);
    assert.ok(issue.position?.file.endsWith(f));
  }
});

test('the CLI turns each broken recipe into exit code 2 and a message without a stack trace', async () => {
  for (const f of files.slice(0, 4)) {
    const res = await runCli(['validate', join(dir, f)]);
    assert.equal(res.code, 2, `${f}: ${res.stderr}`);
    assert.match(res.stderr, new RegExp(`${f.replace('.', '\\.')}:\\d+:\\d+: `));
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  }
});

test('fuzzing: any YAML the loader is given yields a plan or a RecipeError, never another exception', () => {
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const keys = fc.constantFrom('service_name', 'service_type', 'load', 'rate', 'clients', 'duration', 'operation_mix', 'file_sizes', 'stages', 'warmup', 'url', 'slo', 'sweep', 'port', 'password', 'x');
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(keys, tie('node'), { maxKeys: 4 })),
  })).node;
  const service = fc.record({
    service_name: fc.oneof(fc.string(), fc.integer()),
    service_type: fc.constantFrom('http', 'file_storage', 'vllm', 'ollama', 'triton', 'vectordb', 's3', 'nope'),
    load: value,
    duration: value,
    operation_mix: value,
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.record({ services: fc.array(service, { maxLength: 3 }), global: value }, { requiredKeys: [] }), (recipe) => {
      try {
        loadRecipeText(stringify(recipe), 'fuzz.yaml', opts);
      } catch (err) {
        if (!(err instanceof RecipeError)) throw err;
      }
    }),
    { numRuns: 300, seed: 42 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        loadRecipeText(text, 'fuzz.yaml', opts);
      } catch (err) {
        if (!(err instanceof RecipeError)) throw err;
      }
    }),
    { numRuns: 300, seed: 7 },
  );
});

test('fuzzing numbers, sizes and counts: a plan within aifb\'s bounds or a RecipeError, never a crash', () => {
  const huge = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER, 2 ** 31, 2 ** 53 + 1, 1e9, 1e12, 0.0001),
    fc.constantFrom('0s', '0ms', '00:00:00', '1e308s', '99999999999h', '1000000000000000000000000000s', '9'.repeat(400) + 's', '5s', '10m'),
  );
  const size = fc.oneof(fc.nat().map(String), fc.tuple(fc.oneof(fc.nat(), fc.constantFrom(1e6, 1e12, 1e30)), fc.constantFrom('B', 'KB', 'MiB', 'GB', 'G', '')).map(([n, u]) => `${n}${u}`), fc.constant('9'.repeat(400) + 'GB'));
  const service = fc.record({
    service_type: fc.constantFrom('http', 'file_storage', 's3', 'vllm', 'postgresql'),
    duration: huge,
    timeout: huge,
    initial_files: huge,
    initial_objects: huge,
    initial_rows: huge,
    file_sizes: fc.dictionary(size, fc.constant(1), { minKeys: 1, maxKeys: 1 }),
    row_size: size,
    load: fc.record({ clients: huge, rate: huge, requests: huge, max_in_flight: huge, think_time: huge, stages: fc.array(fc.record({ duration: huge, target: huge }), { maxLength: 2 }) }, { requiredKeys: [] }),
  }, { requiredKeys: ['service_type'] });
  fc.assert(
    fc.property(service, (s) => {
      const fields = { service_name: 'a', url: 'http://127.0.0.1:1/', service_url: 'http://127.0.0.1:1', model: 'm', ...s };
      let plan;
      try {
        plan = loadRecipeText(stringify({ services: [fields] }), 'fuzz.yaml', opts);
      } catch (err) {
        if (!(err instanceof RecipeError)) throw err;
        return;
      }
      for (const p of plan.services) {
        const l = p.load;
        if (l.durationMs !== undefined) assert.ok(Number.isFinite(l.durationMs) && l.durationMs > 0 && l.durationMs <= BOUNDS.durationMs, `duration ${l.durationMs}`);
        if (l.mode === 'closed') assert.ok(l.clients <= BOUNDS.clients);
        else assert.ok(Number.isFinite(l.rate) && l.rate <= BOUNDS.rate && l.maxInFlight <= BOUNDS.maxInFlight);
        if (l.requests !== undefined) assert.ok(l.requests <= BOUNDS.requests);
        assert.ok(Number.isFinite(p.timeoutMs) && p.timeoutMs <= BOUNDS.durationMs, `timeout ${p.timeoutMs}`);
      }
    }),
    { numRuns: 400, seed: 23 },
  );
});

test('the recipe file itself is bounded: /dev/zero, a FIFO, a directory and a file over 1 MiB are refused at once (exit 2)', async (t) => {
  const tmp = tempDir(t);
  const fifo = join(tmp, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  const big = join(tmp, 'big.yaml');
  writeFileSync(big, 'services: []\n' + '#'.repeat(BOUNDS.recipeBytes));
  for (const [file, expect] of [['/dev/zero', /not a regular file/], [fifo, /not a regular file/], [tmp, /is a directory/], [big, /has 1,048,589 bytes; a recipe may have at most 1,048,576/]] as const) {
    const started = Date.now();
    const res = await runCli(['validate', file]);
    assert.equal(res.code, 2, `${file}: ${res.stderr}`);
    assert.match(res.stderr, expect);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
    assert.ok(Date.now() - started < 30_000);
  }
});

test('a recipe of many keys is read in linear time; 1,001 services are refused with a position', () => {
  // 60,000 keys in one mapping (about 1 MiB): yaml's own unique-keys check took minutes.
  const keys = Array.from({ length: 60_000 }, (_, i) => `      K${i}: v`).join('\n');
  const text = `services:\n  - service_name: a\n    service_type: http\n    url: http://127.0.0.1:1/\n    environment:\n${keys}\n`;
  const started = performance.now();
  const plan = loadRecipeText(text, 'keys.yaml', opts);
  assert.equal(plan.services.length, 1);
  assert.ok(performance.now() - started < 20_000, `${Math.round(performance.now() - started)} ms`);
  const many = `services:\n${Array.from({ length: 1001 }, (_, i) => `  - {service_name: s${i}, service_type: http, url: "http://127.0.0.1:1/"}`).join('\n')}\n`;
  const err = (() => {
    try {
      loadRecipeText(many, 'many.yaml', opts);
    } catch (e) {
      return e as RecipeError;
    }
    return undefined;
  })();
  assert.ok(err instanceof RecipeError);
  assert.match(err.message, /many\.yaml:2:\d+: services: more than aifb accepts: at most 1,000 services/);
});

test('deep nesting is a RecipeError; a YAML merge key (<<: *base) works', () => {
  assert.throws(() => loadRecipeText('a: ' + '['.repeat(100_000), 'deep.yaml', opts), RecipeError);
  const plan = loadRecipeText(
    `services:
  - &base {service_name: a, service_type: http, url: "http://127.0.0.1:1/", duration: 2s}
  - <<: *base
    service_name: b
    duration: 3s
`,
    'merge.yaml',
    opts,
  );
  assert.deepEqual(plan.services.map((s) => s.load.durationMs), [2000, 3000]);
});
