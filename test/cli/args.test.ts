import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandArgs } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';

const OPTS = { 'no-grafana': { type: 'boolean' }, 'extra-arg': { type: 'string', multiple: true }, out: { type: 'string' }, quiet: { type: 'boolean' } } as const;

test('parseCommandArgs: a --no-X switch is true when given and absent otherwise; repeatable values; --flag=value; positionals anywhere', () => {
  assert.deepEqual(parseCommandArgs(['a', '--out=d', 'b', '--extra-arg', '--x', '--extra-arg=y'], OPTS, 't'), { values: { out: 'd', 'extra-arg': ['--x', 'y'] }, positionals: ['a', 'b'], order: [{ flag: 'extra-arg', value: '--x' }, { flag: 'extra-arg', value: 'y' }] });
  assert.deepEqual(parseCommandArgs(['--no-grafana', '--quiet'], OPTS, 't').values, { 'no-grafana': true, quiet: true });
  assert.deepEqual(parseCommandArgs([], OPTS, 't').values, {});
  assert.throws(() => parseCommandArgs(['--out'], OPTS, 't'), (e: unknown) => e instanceof UsageError && /t: option '--out <value>' argument missing/.test(e.message));
  assert.throws(() => parseCommandArgs(['--qiet'], OPTS, 't'), /unknown option '--qiet' \(Did you mean --quiet\?\) \(see aifb t --help\)/);
});
