import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import type { Report } from '../../src/report/types.js';

test('the README main job: `aifb run` with no recipe runs the quickstart and every service completes', async (t) => {
  const dir = tempDir(t);
  const res = await runCli(['run', '--out', 'out', '--quiet'], { cwd: dir });
  assert.equal(res.code, 0, res.stderr);
  const file = readdirSync(join(dir, 'out')).find((f) => f.endsWith('_report.json'))!;
  const report = JSON.parse(readFileSync(join(dir, 'out', file), 'utf8')) as Report;
  assert.equal(report.status, 'complete');
  assert.deepEqual(Object.keys(report.services).sort(), ['db-embedded', 'files-closed-loop', 'files-open-loop', 'llm-simulated', 'objects-local-s3']);
  for (const [name, s] of Object.entries(report.services)) {
    assert.equal(s.status, 'complete', name);
    assert.ok(s.requests.total > 0, name);
    assert.equal(s.requests.failed, 0, `${name}: ${JSON.stringify(s.errors)}`);
  }
  assert.ok(report.services['llm-simulated']!.llm!.output_tokens > 0);
  assert.ok(readdirSync(join(dir, 'out')).some((f) => f.endsWith('_report.html')));
  // The services aifb started are stopped, and the file storage left nothing behind in the tmp dir.
  assert.doesNotMatch(res.stderr, /teardown failed/);
  // No warning from Node on the first run a user sees, and the answer is the summary's last line.
  assert.doesNotMatch(res.stderr, /MaxListenersExceededWarning|Warning:/);
  assert.match(res.stdout, /\nDONE — [\d.]+ req\/s achieved in all, p99 [\d.]+m?s over \d+ requests.*no thresholds set\nReport: /);
});
