import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

/*
 * The layers of docs/ARCHITECTURE.md, checked on the import graph madge reads from the
 * sources (type-only imports count: a cycle of types is still a cycle to a reader).
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const graphOf = async () =>
  (await madge(`${root}src`, { fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json`, baseDir: `${root}src` }));

let cached: Awaited<ReturnType<typeof graphOf>> | undefined;
const graph = async () => (cached ??= await graphOf());

test('no import cycle among src/ files', async () => {
  const res = await graph();
  assert.ok(Object.keys(res.obj()).length > 200, 'madge read the sources');
  assert.deepEqual(res.circular(), []);
});

/** Every import of a file under `from/` that lands in one of `banned`. */
async function crossings(from: string, banned: RegExp): Promise<string[]> {
  const deps = (await graph()).obj();
  return Object.entries(deps).flatMap(([file, to]) => (file.startsWith(from) ? to.filter((d) => banned.test(d)).map((d) => `${file} → ${d}`) : []));
}

test('the engine never imports launch, cli or report', async () => {
  assert.deepEqual(await crossings('engine/', /^(launch|cli|report)\//), []);
});

test('metrics never imports report (nor services: the metric declaration lives in metrics/)', async () => {
  assert.deepEqual(await crossings('metrics/', /^(report|services)\//), []);
});

test('the report never imports launch or cli: it reads the database and the engine types', async () => {
  assert.deepEqual(await crossings('report/', /^(launch|cli)\//), []);
});

test('the core (engine, metrics, report, recipe, launch, cli) never imports a backend folder', async () => {
  for (const layer of ['engine', 'metrics', 'report', 'recipe', 'launch', 'cli']) {
    assert.deepEqual(await crossings(`${layer}/`, /^services\/[^/]+\/[^/]+\//), [], layer);
  }
});
