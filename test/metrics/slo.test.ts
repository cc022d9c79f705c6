import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtrasAggregate } from '../../src/metrics/aggregates/extras.js';
import { LLM_METRICS } from '../../src/services/llm/common/metrics.js';
import type { MetricDeclaration } from '../../src/metrics/declaration.js';

// The itl_ms SLO is judged on the trend a backend declares `judges: 'itl_ms'`, by each
// request's slowest gap: the core reads no metric by name (issue 18).
test('the itl_ms SLO judges each request by its largest gap of the trend that declares it', () => {
  const agg = new ExtrasAggregate({ itlMs: 10 }, LLM_METRICS);
  const row = (itl: [number, number][]) => agg.add(JSON.stringify({ itl }), true, 50, 5, 3);
  row([[2, 3], [9.5, 1]]); // slowest gap 9.5: meets
  row([[2, 3], [12, 1]]); // 12: misses
  row([[12, 0], [2, 5]]); // a gap counted 0 times is none: meets
  row([[0, 4]]); // extra first-chunk tokens only: meets
  agg.add(null, true, 50, 5, 3); // one token, no gaps: nothing to judge, meets
  agg.add(JSON.stringify({ itl: [[1, 1]] }), false, 50, 5, 3); // failed: never meets
  const g = agg.report(10).goodput!;
  assert.equal(g.requests_meeting_slo, 4);
  assert.equal(g.fraction, 4 / 6);
});

test('without a declaration that judges it, itl_ms is not checked against any extra', () => {
  const undeclared: MetricDeclaration[] = LLM_METRICS.map(({ judges: _j, ...d }) => d);
  const agg = new ExtrasAggregate({ itlMs: 10 }, undeclared);
  agg.add(JSON.stringify({ itl: [[50, 1]], itl_max_ms: 50 }), true, 50, 5, 3);
  assert.equal(agg.report(1).goodput!.requests_meeting_slo, 1);
});
