// Apptainer is not installable here, so the definitions are checked for structure and
// their shell sections by shellcheck; building them is left to a site with Apptainer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRegistry } from '../../src/services/catalog.js';
import { tempDir } from '../helpers/cli.js';

const dir = fileURLToPath(new URL('../../containers/', import.meta.url));
const NAMES = ['chromadb', 'grafana', 'minio', 'ollama', 'postgres', 'prometheus', 'pushgateway', 'triton', 'vllm', 'weaviate'];

function sections(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = 'header';
  for (const line of text.split('\n')) {
    const m = /^%(\w+)/.exec(line);
    if (m) current = m[1]!;
    else out[current] = `${out[current] ?? ''}${line}\n`;
  }
  return out;
}

test('containers/*.def: one per service, pinned docker bases, shell sections pass shellcheck', (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.def'));
  assert.deepEqual(files.map((f) => f.replace(/\.def$/, '')).sort(), NAMES);
  const tmp = tempDir(t);
  for (const f of files) {
    const s = sections(readFileSync(join(dir, f), 'utf8'));
    assert.match(s.header!, /^Bootstrap: docker\nFrom: \S+:\S+\n/, f);
    assert.doesNotMatch(s.header!, /:latest\b/, `${f}: pin the base image`);
    assert.match(s.runscript ?? '', /^\s+exec /m, `${f}: the server replaces the shell (signals reach it)`);
    assert.ok(s.help && s.labels && s.environment, `${f}: help, labels, environment`);
    const script = join(tmp, `${f}.sh`);
    writeFileSync(script, `#!/bin/sh\n${s.environment}\n${s.runscript}`);
    execFileSync('shellcheck', ['--shell=sh', script], { stdio: 'pipe' });
  }
});

/** The server a backend's own server.ts gives for a service of this type and backend. */
function builtinServer(type: string, backend: string | undefined, fields: Record<string, unknown>) {
  return builtinRegistry.resolve(type, backend)?.server?.({ service_type: type, ...fields });
}

test('the built-in server images are the ones the backends pin', () => {
  const pinned = (name: string) => /^From: (\S+)$/m.exec(readFileSync(join(dir, `${name}.def`), 'utf8'))![1];
  const cases: [string, string | undefined, string][] = [
    ['ollama', undefined, 'ollama'],
    ['vllm', undefined, 'vllm'],
    ['triton', undefined, 'triton'],
    ['vectordb', 'chromadb', 'chromadb'],
    ['vectordb', 'weaviate', 'weaviate'],
    ['postgresql', 'postgres', 'postgres'],
    ['s3', 'aws-sdk', 'minio'],
  ];
  for (const [type, backend, def] of cases) assert.equal(builtinServer(type, backend, {})?.image, `docker://${pinned(def)}`, `${type}/${backend}`);
  assert.equal(builtinServer('postgresql', 'pglite', {}), undefined, 'an embedded backend has no server');
});
