#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (TypeScript through tsx) and
// ends with the plain line "N passed, N failed, N skipped" that CI reads. A test that
// cannot run here (a server that did not install) skips itself with "not run: <reason>";
// those are listed by reason and counted apart, never as passed.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = find(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const child = spawn(
  process.execPath,
  // --test-force-exit: a file whose tests have all ended exits even if something it started
  // still holds its event loop (an empty-cache CI run waited an hour on a live ollama whose
  // stop hook never ran); its failures are still counted.
  ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AIFB_TEST: '1' } },
);
let pending = '';
const notRun = new Map();
// The spec reporter prints its totals before the failing tests' details, which can run
// to many kilobytes: the totals are read as they pass, not from the end of the output.
const totals = {};
// Decoded as UTF-8 across chunk boundaries, so the reporter's 'ℹ' is never split.
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const text = chunk;
  const lines = (pending + text).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const m = /# (not run: .*)$/.exec(line);
    if (m) notRun.set(m[1], (notRun.get(m[1]) ?? 0) + 1);
    const t = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/.exec(line);
    if (t) totals[t[1]] = Number(t[2]);
  }
});
child.on('close', (code) => {
  const num = (label) => totals[label] ?? NaN;
  const passed = num('pass');
  const failed = num('fail') + (Number.isNaN(num('cancelled')) ? 0 : num('cancelled'));
  if (Number.isNaN(passed)) {
    console.log(`0 passed, 1 failed`);
    process.exit(code || 1);
  }
  const skipped = Number.isNaN(num('skipped')) ? 0 : num('skipped');
  for (const [reason, n] of notRun) console.log(`${reason} (${n} test${n === 1 ? '' : 's'})`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code ?? 1);
});
