import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { RecipeError } from '../../src/errors.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { runCli, repoRoot } from '../helpers/cli.js';

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
