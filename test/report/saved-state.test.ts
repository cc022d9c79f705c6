import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsStore } from '../../src/metrics/store.js';
import { RunAccumulator } from '../../src/metrics/aggregates/accumulate.js';
import { buildReport } from '../../src/report/build.js';
import { loadRunState, saveRunState } from '../../src/metrics/aggregates/saved-state.js';
import { createRng } from '../../src/util/rng.js';
import { accumulatingStore, DECLARED } from './fixtures.js';
import { LLM_TALLIES } from '../../src/services/llm/common/metrics.js';

/** A run with every kind of aggregate: errors, operations, LLM figures, extras, sessions, recall, an SLO. */
async function mixedRun(): Promise<{ store: MetricsStore; acc: RunAccumulator }> {
  const { store, acc } = accumulatingStore('st');
  const base = { serviceType: 'llm', backend: undefined, windowStart: 500, issueEnd: 9000, scheduled: 2000, dropped: 3, warmupRequests: 4 };
  const load = { mode: 'open', rate: 300, arrival: 'poisson', maxInFlight: 64, slo: { ttft_ms: 40, e2el_ms: 300 }, metrics: DECLARED, tallies: LLM_TALLIES };
  const names = ['llm', 'vec', 'web'];
  for (const name of names) store.saveService({ ...base, serviceName: name, status: 'running', load });
  const rng = createRng(11);
  for (let i = 0; i < 2000; i++) {
    const intended = 500 + i * 4 + rng.next();
    const latency = 2 + rng.exponential() * 30;
    const ok = rng.next() > 0.07;
    const service = names[i % 3]!;
    const extra =
      service === 'llm' ? { itl: [[2, 3], [4, 1]], itl_max_ms: 4, e2el_ms: latency, session_id: `s${i % 40}`, turn: 1 + (i % 5), ...(i % 5 === 4 ? { session_end: 'complete' } : {}) }
      : service === 'vec' ? { recall: rng.next() }
      : { ttfb_ms: latency / 2 };
    store.append({
      service, clientId: i % 9, operation: service === 'vec' ? `search@${i % 2 ? 'ef64' : 'ef128'}` : ['get', 'put'][i % 2]!,
      intendedStart: intended, actualStart: intended + rng.next(), end: intended + latency, ok, status: ok ? 200 : 500,
      errorClass: ok ? null : i % 2 ? 'http_5xx' : 'timeout', message: ok ? null : `failure ${i}`, bytesIn: 100 + i, bytesOut: 10,
      ...(service === 'llm' ? { llm: { ttftMs: latency / 3, tpotMs: 2, itlMs: 2.5, inputTokens: 50 + i, outputTokens: 20, tokensEstimated: i % 2 === 0 } } : {}),
      extra,
    });
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  for (const name of names) store.saveService({ ...base, serviceName: name, status: 'complete', load, windowEnd: 8600 });
  store.finishRun('complete', 8700);
  store.flush();
  return { store, acc };
}

test('the report from the aggregates saved at the run’s end equals the report read from every row', async () => {
  const { store, acc } = await mixedRun();
  const now = new Date(0);
  const fromRows = buildReport(store.db, 'st', now);
  assert.equal(acc.rows, 2000);
  assert.ok(saveRunState(store.db, 'st', acc));
  const restored = loadRunState(store.db, 'st', 2000, () => undefined);
  assert.ok(restored, 'the saved state is loaded');
  assert.equal(restored.acc.rows, 2000);
  const fromState = buildReport(store.db, 'st', now);
  assert.deepEqual(fromState, fromRows);
  // Every kind of figure came through the state (not just empty aggregates that match).
  const llm = fromState.services.llm!;
  assert.ok(llm.llm && llm.llm.ttft.count! > 0);
  assert.equal(llm.llm?.sessions?.sessions, 40);
  assert.ok(fromState.services.vec!.recall && fromState.services.vec!.recall.searches > 0);
  assert.ok(fromState.services.web!.errors.timeout! > 0);
  assert.ok(llm.goodput && llm.goodput.requests_meeting_slo > 0);

  // The state, not the rows, is what the report read: a row changed in place (count unchanged) does not show.
  store.db.prepare("UPDATE metrics SET request_duration = 99 WHERE benchmark_id = 'st' AND id = (SELECT MIN(id) FROM metrics)").run();
  assert.deepEqual(buildReport(store.db, 'st', now), fromRows);
  store.close();
});

test('rows stored after the saved state are added to it; rows that do not add up, or another format, make the report read every row', async () => {
  const { store, acc } = await mixedRun();
  const now = new Date(0);
  saveRunState(store.db, 'st', acc);
  const extra = (intended: number) => ({
    service: 'web', clientId: 1, operation: 'get', intendedStart: intended, actualStart: intended, end: intended + 10, ok: true, status: 200,
    errorClass: null, message: null, bytesIn: 1, bytesOut: 1,
  });
  // Two rows after the state (a killed run's last seconds): state + those rows = the table.
  store.append(extra(8000));
  store.append(extra(8100));
  store.flush();
  const withTail = loadRunState(store.db, 'st', 2002, () => undefined);
  assert.equal(withTail?.acc.rows, 2002);
  const fromRows = buildReport(store.db, 'st', now, new RunAccumulator());
  assert.equal(fromRows.summary.total_requests, 2002);
  assert.deepEqual(buildReport(store.db, 'st', now), fromRows);

  // A row slipped in below the state's last id (rows merged from elsewhere): the sums differ, every row is read.
  const lowest = (store.db.prepare('SELECT MIN(id) AS m FROM metrics').get() as { m: number }).m;
  store.db.prepare('UPDATE metrics SET id = id + 100000 WHERE id > ?').run(lowest + 1999);
  store.db.prepare(`INSERT INTO metrics (id, benchmark_id, timestamp, service_name, request_duration, success) SELECT ${lowest} - 1, 'st', 0, 'web', 0.5, 1`).run();
  assert.equal(loadRunState(store.db, 'st', 2003, () => undefined), undefined);
  const reread = buildReport(store.db, 'st', now);
  assert.equal(reread.summary.total_requests, 2003);

  // A row deleted: the state and the rows after it are more than the table holds.
  store.db.prepare('DELETE FROM metrics WHERE id IN (?, ?)').run(lowest - 1, lowest);
  assert.equal(loadRunState(store.db, 'st', 2001, () => undefined), undefined);
  assert.equal(buildReport(store.db, 'st', now).summary.total_requests, 2001);

  // Saving again covers every row; a state in another format is not read.
  buildReport(store.db, 'st', now, undefined, true);
  assert.equal(loadRunState(store.db, 'st', 2001, () => undefined)?.acc.rows, 2001);
  store.db.prepare('UPDATE report_states SET format = format + 1').run();
  assert.equal(loadRunState(store.db, 'st', 2001, () => undefined), undefined);
  assert.equal(buildReport(store.db, 'st', now).summary.total_requests, 2001);
  store.close();
});

test('an aggregate the state does not know is refused when saving, and saving reports it without throwing', () => {
  const store = new MetricsStore(':memory:');
  const acc = new RunAccumulator();
  acc.rows = 1;
  (acc.services as Map<string, unknown>).set('x', new (class Unknown {})());
  assert.equal(saveRunState(store.db, 'x', acc), false);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM report_states').get() as { n: number }).n, 0);
  store.close();
});
