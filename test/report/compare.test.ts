import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { compareCommand } from '../../src/cli/commands/compare.js';
import type { Comparison } from '../../src/report/compare.js';
import { mannWhitney, normalCdf } from '../../src/report/compare-stats.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { countingServer } from '../helpers/http-server.js';

test('Mann–Whitney U matches textbook values, ties included', () => {
  const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
  assert.equal(r.u, 0);
  assert.ok(Math.abs(r.p - 0.01219) < 2e-4, `p ${r.p}`); // scipy.stats.mannwhitneyu(method='asymptotic')
  assert.equal(r.probabilityGreater, 1);
  const same = mannWhitney([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]);
  assert.ok(same.p > 0.9);
  assert.equal(mannWhitney([0, 0, 0], [0, 0, 0]).p, 1, 'all tied: no evidence either way');
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
});

async function compare(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await compareCommand.run(args, { stdout, stderr: new PassThrough(), env: {}, cwd });
  return { code, out };
}

test('compare on real runs: an injected 20 → 60 ms slowdown is flagged, an identical rerun is not', async (t) => {
  // Delays well above timer jitter, so a busy machine moves the tail less than the floors.
  const fast = await countingServer(t, 20);
  const slow = await countingServer(t, 60);
  const dir = tempDir(t);
  const recipe = (url: string) => `services:
  - service_name: web
    service_type: http
    url: ${url}/x
    duration: 3s
    load: {rate: 200, arrival: poisson, warmup: 1s, seed: 7}
`;
  writeFileSync(join(dir, 'fast.yaml'), recipe(fast.url));
  writeFileSync(join(dir, 'slow.yaml'), recipe(slow.url));
  // One after another: runs sharing two cores would disturb each other, which is a real difference.
  for (const [file, id] of [['fast.yaml', 'base'], ['fast.yaml', 'again'], ['slow.yaml', 'slow']] as const) {
    const res = await runCli(['run', file, '--out', 'out', '--quiet', '--id', id], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
  }

  // Per-bucket p99 of ~20 requests is nearly each bucket's maximum: on a shared 2-core machine
  // identical runs have differed by up to ~30 % there, so this check uses a 50 % tail floor.
  const same = await compare(['out/base_report.json', 'out/metrics.db#again', '--json', '--min-tail-change', '0.5'], dir);
  const c1 = JSON.parse(same.out) as Comparison;
  assert.deepEqual(c1.runs, ['again']);
  const verdicts = c1.results[0]!.metrics.map((m) => [m.metric, m.verdict]);
  assert.ok(verdicts.every(([, v]) => v === 'same'), `identical runs flagged: ${JSON.stringify(c1.results[0]!.metrics)}`);

  const worse = await compare(['out/metrics.db#base', 'out/metrics.db#slow', '--html', 'cmp.html', '--fail-on-regression'], dir);
  assert.equal(worse.code, 99, worse.out);
  assert.match(worse.out, /web\s+p50\s+\S+\s+\S+\s+\+\d+%\s+<0\.001\s+WORSE/);
  assert.match(worse.out, /web\s+req\/s\s+.*within noise/, 'the offered rate is the same, so throughput is too');
  assert.ok(existsSync(join(dir, 'cmp.html')));

  const json = JSON.parse((await compare(['out/metrics.db#base', 'out/metrics.db#slow', '--json'], dir)).out) as Comparison;
  const p50 = json.results[0]!.metrics.find((m) => m.metric === 'p50')!;
  assert.equal(p50.verdict, 'worse');
  assert.ok(p50.change! > 1, `p50 change ${p50.change}`);
  assert.ok(p50.buckets[0] >= 8 && p50.buckets[1] >= 8);
});
