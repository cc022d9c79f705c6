import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRecipeFile, loadRecipeText } from '../../src/recipe/load.js';
import { RecipeError } from '../../src/errors.js';
import { builtinRegistry } from '../../src/services/catalog.js';

const opts = { registry: builtinRegistry, env: { DB_PASSWORD: 's3cret-pw', PORT: '6543' } };

function issuesOf(text: string): RecipeError['issues'] {
  try {
    loadRecipeText(text, 'r.yaml', opts);
  } catch (err) {
    assert.ok(err instanceof RecipeError, `expected RecipeError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('recipe was accepted');
}

test("the seed report's recipe (Listing 7.2) validates unchanged", () => {
  const plan = loadRecipeFile('examples/seed-recipe.yaml', opts);
  assert.equal(plan.name, 'AI Factory Comprehensive Benchmark');
  const ollama = plan.services[0]!;
  // requests_per_second is the service's total rate; client_count caps requests in flight.
  assert.equal(ollama.load.mode, 'open');
  assert.ok(ollama.load.mode === 'open' && ollama.load.rate === 10 && ollama.load.maxInFlight === 5);
  assert.equal(ollama.load.durationMs, 300_000);
  const chroma = plan.services[1]!;
  assert.equal(chroma.load.durationMs, 3_600_000, 'benchmark.duration is the default service duration');
  assert.deepEqual(chroma.mix.map((m) => m.operation), ['insert', 'search', 'update', 'delete']);
});

test('every seed field validates; plaintext secrets are accepted, warned about and redacted', () => {
  const plan = loadRecipeFile('examples/seed-all-fields.yaml', opts);
  assert.equal(plan.services.length, 7);
  assert.ok(plan.warnings.some((w) => w.includes('services[4].password')), plan.warnings.join('\n'));
  assert.ok(plan.warnings.some((w) => w.includes('secret_key')));
  assert.ok(!plan.redactedText.includes('minioadmin'));
  assert.ok(!/password: benchmark/.test(plan.redactedText));
  assert.ok(plan.redactedText.includes('user: benchmark'), 'non-secret fields stay');
});

test('an unknown key names file:line:column and path, and suggests the nearest key', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    operation_mix: {write: 1}
    clinet_count: 3
`);
  assert.equal(issues.length, 1);
  const i = issues[0]!;
  assert.deepEqual(i.position, { file: 'r.yaml', line: 5, column: 5 });
  assert.equal(i.path, 'services[0].clinet_count');
  assert.match(i.message, /unknown key "clinet_count"; did you mean "client_count"\?/);
});

test('an unknown operation in a mix points at it and suggests the right one', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    operation_mix:
      write: 0.5
      raed: 0.5
`);
  assert.equal(issues[0]!.path, 'services[0].operation_mix.raed');
  assert.deepEqual(issues[0]!.position, { file: 'r.yaml', line: 6, column: 7 });
  assert.match(issues[0]!.message, /did you mean "read"/);
});

test('weights that do not sum to 1 are an error at the mix', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    operation_mix: {write: 0.5, read: 0.4}
`);
  assert.equal(issues[0]!.path, 'services[0].operation_mix');
  assert.equal(issues[0]!.position?.line, 4);
  assert.match(issues[0]!.message, /sum to 0\.9; they must sum to 1/);
});

test('wrong types and bad values say what was expected', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    client_count: many
    load: {arrival: poison}
`);
  const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
  assert.match(byPath['services[0].client_count']!.message, /expected number, got text "many"/);
  assert.equal(byPath['services[0].client_count']!.position?.line, 4);
  assert.match(byPath['services[0].load.arrival']!.message, /not one of constant, poisson, gamma; did you mean "poisson"/);
});

test('a negative rate and zero clients are rejected', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    requests_per_second: -5
  - service_name: b
    service_type: file_storage
    load: {clients: 0}
`);
  assert.ok(issues.some((i) => i.path === 'services[0].requests_per_second' && /> 0/.test(i.message)));
  assert.ok(issues.some((i) => i.path === 'services[1].load.clients' && />= 1/.test(i.message)));
});

test('an unknown service type suggests the nearest known one', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storge
`);
  assert.match(issues[0]!.message, /did you mean "file_storage"/);
  assert.equal(issues[0]!.position?.line, 3);
});

test('YAML syntax errors give line and column', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: [file_storage
`);
  assert.equal(issues[0]!.position?.file, 'r.yaml');
  assert.ok((issues[0]!.position?.line ?? 0) >= 3, JSON.stringify(issues[0]));
  assert.match(issues[0]!.message, /YAML syntax error/);
});

test('${ENV} references are resolved (typed when whole), and a missing one is an error at its line', () => {
  const plan = loadRecipeText(
    `services:
  - service_name: a
    service_type: file_storage
    port: \${PORT}
    password: \${DB_PASSWORD}
    base_path: \${TMPDIR_X:-/tmp}
`,
    'r.yaml',
    opts,
  );
  assert.equal(plan.services[0]!.fields.port, 6543);
  assert.equal(plan.services[0]!.fields.password, 's3cret-pw');
  assert.equal(plan.services[0]!.fields.base_path, '/tmp');
  assert.ok(!plan.redactedText.includes('s3cret-pw'));
  assert.equal(plan.warnings.length, 0, 'a secret from the environment is not a plaintext warning');

  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    password: \${NOPE_NOT_SET}
`);
  assert.equal(issues[0]!.position?.line, 4);
  assert.match(issues[0]!.message, /NOPE_NOT_SET is not set/);
});

test('a secret value never appears in an error message', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    password: {value: 987654321}
`);
  assert.equal(issues[0]!.path, 'services[0].password');
  assert.ok(!issues[0]!.message.includes('987654321'), issues[0]!.message);
});

test('conflicting load settings are explained', () => {
  const issues = issuesOf(`services:
  - service_name: a
    service_type: file_storage
    requests_per_second: 10
    load: {rate: 20}
  - service_name: a
    service_type: file_storage
`);
  assert.ok(issues.some((i) => i.path === 'services[0].load.rate' && /requests_per_second/.test(i.message)));
  assert.ok(issues.some((i) => i.path === 'services[1].service_name' && /used twice/.test(i.message)));
});

test('durations accept seconds and units; load defaults are documented values', () => {
  const plan = loadRecipeText(
    `services:
  - service_name: a
    service_type: file_storage
    duration: 1m
    load: {rate: 50, warmup: 500ms}
  - service_name: b
    service_type: file_storage
    duration: 2.5
`,
    'r.yaml',
    opts,
  );
  const [a, b] = plan.services;
  assert.equal(a!.load.durationMs, 60_000);
  assert.deepEqual(a!.load.warmup, { kind: 'time', ms: 500 });
  assert.ok(a!.load.mode === 'open' && a!.load.arrival === 'poisson' && a!.load.maxInFlight === 1000);
  assert.equal(b!.load.mode, 'closed');
  assert.equal(b!.load.durationMs, 2500);
  assert.equal(a!.seed, 42);
});
