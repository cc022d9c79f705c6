import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { repoRoot, runCli } from '../helpers/cli.js';
import { caseless } from '../../src/cli/commands/schema.js';

interface Branch {
  title: string;
  properties: Record<string, { $ref?: string }>;
}
interface Schema {
  $defs: Record<string, { description?: string; enum?: string[] }>;
  properties: { services: { items: { properties: { service_type: { anyOf: { enum?: string[] }[] } }; oneOf: Branch[] } } };
}

async function schema(): Promise<Schema> {
  const res = await runCli(['schema']);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as Schema;
}

test('aifb schema: service_type is an enum, one branch per service type and backend, and every example recipe validates (ajv)', async () => {
  const s = await schema();
  const items = s.properties.services.items;
  const types = items.properties.service_type.anyOf.find((x) => x.enum)!.enum!;
  for (const t of ['file_storage', 'http', 'openai', 'vllm', 'ollama', 'triton', 's3', 'postgresql', 'vectordb']) assert.ok(types.includes(t), t);
  const titles = items.oneOf.map((b) => b.title);
  for (const t of ['http', 'vectordb/weaviate', 'vectordb/pgvector', 'postgresql/pglite', 's3/aws-sdk']) assert.ok(titles.includes(t), `${t} in ${titles.join(', ')}`);
  // Completion per backend: a key of Weaviate's is offered there, with its description, and not for HTTP.
  const branch = (title: string) => items.oneOf.find((b) => b.title === title)!;
  const def = (b: Branch, key: string) => s.$defs[b.properties[key]!.$ref!.split('/').pop()!]!;
  assert.match(def(branch('vectordb/weaviate'), 'grpc_port').description ?? JSON.stringify(def(branch('vectordb/weaviate'), 'grpc_port')), /gRPC port/);
  assert.equal(branch('http').properties.grpc_port, undefined);
  assert.match(def(branch('http'), 'service_name').description!, /Unique name/);

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(s);
  const dir = join(repoRoot, 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const ok = validate(parse(readFileSync(join(dir, f), 'utf8'), { merge: true }));
    assert.ok(ok, `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
  // And it refuses what validate refuses: a mistyped type, a key of another backend.
  const one = (service: Record<string, unknown>) => validate({ services: [{ service_name: 'x', ...service }] });
  assert.equal(one({ service_type: 'htp', url: 'http://h/' }), false);
  assert.equal(one({ service_type: 'http', url: 'http://h/', grpc_port: 1 }), false);
  assert.equal(one({ service_type: 'vectordb', backend: 'weaviate', grpc_port: 50051 }), true);
  assert.equal(one({ service_type: 'vectordb', backend: 'weaviate', grpc_port: '${PORT}' }), true, 'an ${ENV} reference where a number goes');
  assert.equal(one({ service_type: 's3', multipart_threshold: '32MB' }), true, 'a size pattern matches either case');
});

test('caseless turns a pattern into one matching either case', () => {
  assert.equal(caseless('^\\d+\\s*([kmg]i?b?|b)?$'), '^\\d+\\s*([kmgKMG][iI]?[bB]?|[bB])?$');
});
