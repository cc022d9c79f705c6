/**
 * The floor under the open loop's schedule lag: aifb's own sleep (src/util/clock.ts) on a
 * Poisson schedule at the open-loop bench's rate, with no request, store or report beside
 * it. What aifb's lag adds above this is its own work between arrivals.
 *
 *   node --import tsx bench/http/lag-floor.ts [--rate 10000] [--seconds 10]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from '../lib.js';
import { systemClock } from '../../src/util/clock.js';
import { createRng } from '../../src/util/rng.js';
import { percentile } from '../../src/sim/llm/compare.js';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '10' } } });
const rate = Number(values.rate);
const clock = systemClock();
const rng = createRng(1);
const lags: number[] = [];
let due = clock.now() + 100;
const end = due + Number(values.seconds) * 1000;
while (due < end) {
  await clock.sleepUntil(due);
  lags.push(clock.now() - due);
  due += (rng.exponential() * 1000) / rate;
}
const result = { rate, arrivals: lags.length, lag_ms: { p50: percentile(lags, 0.5), p90: percentile(lags, 0.9), p99: percentile(lags, 0.99), max: percentile(lags, 1) } };
console.log(`sleep alone at ${rate}/s: lag p50 ${result.lag_ms.p50.toFixed(3)} ms, p90 ${result.lag_ms.p90.toFixed(3)} ms, p99 ${result.lag_ms.p99.toFixed(3)} ms, max ${result.lag_ms.max.toFixed(3)} ms`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/lag-floor.json'), JSON.stringify(result, null, 2) + '\n');
