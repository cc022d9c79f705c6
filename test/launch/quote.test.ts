import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import fc from 'fast-check';
import { directiveValue, envName, safeFileName, shellJoin, shellQuote } from '../../src/launch/quote.js';
import { extraArg, envLines, recipeEnvNames } from '../../src/launch/slurm/directives.js';

/** What a real shell makes of the quoted words: each printed between NUL bytes. */
function throughShell(shell: string, words: string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${shellJoin(words)}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const NASTY = [
  '',
  ' ',
  "'",
  "''",
  '"',
  '\\',
  '$HOME',
  '${HOME}',
  '$(touch /tmp/pwned)',
  '`touch /tmp/pwned`',
  '"; touch /tmp/pwned #',
  "'; touch /tmp/pwned; echo '",
  'a\nb',
  '\n',
  '\r\n',
  '\t',
  '*',
  '?',
  '[a-z]*',
  '~',
  '~root',
  '!',
  '!!',
  '-n',
  '--',
  'a b  c',
  'ünïcødé ✓',
  '{a,b}',
  '&&',
  '|',
  ';',
  '>/tmp/pwned',
  '<',
  '#',
  '%j',
  '=',
  'it\'s "quoted" \\ $x `y`',
];

test('shellQuote: every hostile value reaches bash and dash as one literal word, and nothing runs', () => {
  rmSync('/tmp/pwned', { force: true });
  for (const shell of ['bash', 'sh']) assert.deepEqual(throughShell(shell, NASTY), NASTY, shell);
  assert.equal(existsSync('/tmp/pwned'), false);
});

test('shellQuote: any string of printable, control and non-ASCII characters round-trips (property)', () => {
  // NUL cannot be in an argv, so it is the one character left out (and refused).
  const codePoint = fc
    .integer({ min: 1, max: 0x10ffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c));
  const special = fc.constantFrom("'", '"', '\\', '$', '`', '\n', '\r', '\t', ' ', '!', '*', ';', '#', '%', '~', '{', '(');
  const word = fc.array(fc.oneof(special, codePoint), { maxLength: 12 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
      assert.deepEqual(throughShell('bash', words), words);
    }),
    { numRuns: 150 },
  );
  assert.equal(existsSync('/tmp/pwned'), false);
});

test('shellQuote leaves plain words readable and refuses NUL', () => {
  assert.equal(shellQuote('cpu'), 'cpu');
  assert.equal(shellQuote('00:10:00'), '00:10:00');
  assert.equal(shellQuote('gpu:1'), 'gpu:1');
  assert.equal(shellQuote('/a/b-c_d.e'), '/a/b-c_d.e');
  assert.equal(shellQuote(8000), '8000');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.throws(() => shellQuote('a\0b'), /NUL/);
});

test('#SBATCH values refuse line breaks (a newline would end the comment and start a command)', () => {
  assert.equal(directiveValue('partition', '"; touch /tmp/pwned #'), `'"; touch /tmp/pwned #'`);
  for (const bad of ['cpu\ntouch /tmp/pwned', 'cpu\rx', 'a\0b']) assert.throws(() => directiveValue('partition', bad), /line break/);
});

test('extra sbatch arguments: the flag must be one option, the value is quoted', () => {
  assert.equal(extraArg('--exclusive'), '--exclusive');
  assert.equal(extraArg('--begin=now+1hour'), '--begin=now+1hour');
  assert.equal(extraArg('--comment=a b; touch /tmp/pwned'), "--comment='a b; touch /tmp/pwned'");
  for (const bad of ['touch /tmp/pwned', '--x; touch /tmp/pwned', '-- x', '--a b=c', '']) assert.throws(() => extraArg(bad), /one option/);
});

test('environment: names are checked, secret values never written, only required by name', () => {
  const lines = envLines({ GREETING: 'hello $USER', API_TOKEN: 's3cr3t', POSTGRES_PASSWORD: 'hunter2' }, ['PGPASSWORD']);
  const text = lines.join('\n');
  assert.ok(!text.includes('s3cr3t') && !text.includes('hunter2'), text);
  assert.match(text, /^: "\$\{API_TOKEN:\?/m);
  assert.match(text, /^export API_TOKEN$/m);
  assert.match(text, /^: "\$\{PGPASSWORD:\?/m);
  assert.match(text, /^export GREETING='hello \$USER'$/m);
  assert.throws(() => envLines({ 'A;touch /tmp/pwned': 'x' }), /not a valid environment variable name/);
  assert.throws(() => envName('1X'));
  assert.deepEqual(recipeEnvNames('password: ${PGPASS}\nport: ${PORT:-5432}\nx: ${A}${B}'), ['A', 'B', 'PGPASS']);
});

test('file names from service names stay inside their directory', () => {
  assert.equal(safeFileName('"; touch /tmp/pwned #'), '_touch_tmp_pwned_');
  assert.ok(!safeFileName('../../etc/passwd').includes('/') && !safeFileName('../../etc/passwd').startsWith('.'));
  assert.equal(safeFileName('web-1.a_b'), 'web-1.a_b');
  assert.ok(!safeFileName('a/b/../c').includes('/'));
});
