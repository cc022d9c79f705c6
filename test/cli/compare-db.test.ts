import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';

test('aifb compare metrics.db compares its two newest runs and warns when their loads or windows differ', async (t) => {
  const server = await countingServer(t);
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'r.yaml'),
    `services:
  - service_name: web
    service_type: http
    url: ${server.url}/hello
    duration: 2s
    operation_mix: {request: 1}
    load: {rate: 50, arrival: constant}
`,
  );
  const one = await runCli(['compare', 'out/metrics.db'], { cwd: dir });
  assert.equal(one.code, 2, 'no database yet');
  for (const [id, extra] of [['first', []], ['second', []], ['third', ['--rate', '80', '--duration', '3s']]] as const) {
    const res = await runCli(['run', 'r.yaml', '--out', 'out', '--quiet', '--id', id, ...extra], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    if (id === 'first') {
      const single = await runCli(['compare', 'out/metrics.db'], { cwd: dir });
      assert.equal(single.code, 2);
      assert.match(single.stderr, /out\/metrics\.db holds 1 run\(s\); comparing needs two/);
    }
    if (id === 'second') {
      const same = await runCli(['compare', 'out/metrics.db', '--json'], { cwd: dir });
      assert.equal(same.code, 0, same.stderr);
      const c = JSON.parse(same.stdout) as { baseline: string; runs: string[]; warnings: string[] };
      assert.equal(c.baseline, 'first', 'the older of the two newest is the baseline');
      assert.deepEqual(c.runs, ['second']);
      assert.deepEqual(c.warnings, [], 'same recipe, same load: nothing to warn of');
    }
  }
  const res = await runCli(['compare', 'out/metrics.db'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /second/);
  assert.match(res.stdout, /third/);
  assert.doesNotMatch(res.stdout, /first/, 'only the two newest runs');
  assert.match(res.stdout, /^note: web: third ran another load than second \(window 2\.0s vs 3\.0s; requested_rate 50 vs 80\): a change may be the recipe's/m);
});
