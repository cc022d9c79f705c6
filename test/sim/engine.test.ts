import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLlmSimulator } from '../../src/sim/llm/server.js';
import { get, median, postStream, sseData } from './helpers.js';

/** Streams a completion and returns client-side timings next to the request id. */
async function timedCompletion(url: string, body: Record<string, unknown>) {
  const start = performance.now();
  const r = await postStream(`${url}/v1/completions`, { prompt: 'x', ignore_eos: true, stream: true, ...body });
  const chunks = sseData(r.lines).filter((l) => l.text !== '[DONE]' && JSON.parse(l.text).choices.length > 0);
  assert.ok(r.status === 200 && chunks.length > 0, `status ${r.status}, ${chunks.length} chunks, error ${r.error?.message}`);
  return { start, id: String(r.headers['x-sim-request-id']), chunks, ttft: chunks[0]!.t - start };
}

describe('performance model', () => {
  // Model checks read the engine's own schedule (admitted_ms, chunks[].engine_ms), which a
  // busy test machine cannot distort; client-side checks use looser bounds.
  test('continuous batching: with max_num_seqs 2, two of four requests queue for one generation', async () => {
    const sim = await startLlmSimulator({ max_num_seqs: 2, decode_ms: 10, prefill_ms_per_token: 0, jitter: 0, batch_slowdown: 0 });
    try {
      // Warm up connections and code paths so the first measured request is not a cold start.
      await Promise.all(Array.from({ length: 4 }, () => timedCompletion(sim.url, { max_tokens: 1 })));
      const runs = Array.from({ length: 4 }, () => timedCompletion(sim.url, { max_tokens: 8 }));
      await sleep(35);
      const metrics = (await get(`${sim.url}/metrics`)).text;
      assert.match(metrics, /^vllm:num_requests_running\{model_name="sim-llm"\} 2(\.0)?$/m);
      assert.match(metrics, /^vllm:num_requests_waiting\{model_name="sim-llm"\} 2(\.0)?$/m);
      const results = await Promise.all(runs);
      const truths = results.map((r) => sim.truth(r.id)!).sort((a, b) => a.admitted_ms! - b.admitted_ms!);
      const rel = truths.map((t) => `admitted ${(t.admitted_ms! - truths[0]!.admitted_ms!).toFixed(1)} after waiting ${t.queue_wait_ms!.toFixed(1)}`);
      assert.ok(truths[0]!.queue_wait_ms! <= 10.001 && truths[1]!.queue_wait_ms! <= 10.001, `the first two find free slots: ${rel}`);
      // Each queued request takes the slot of one that finished its 8 steps of 10 ms.
      for (const [queued, finished] of [[truths[2]!, truths[0]!], [truths[3]!, truths[1]!]] as const) {
        assert.ok(Math.abs(queued.admitted_ms! - finished.admitted_ms! - 80) < 0.001, `one generation later: ${rel}`);
        assert.ok(queued.queue_wait_ms! > 20, `it waited in the queue: ${rel}`);
      }
      const ttfts = results.map((r) => r.ttft).sort((a, b) => a - b);
      const delay = ttfts[2]! - ttfts[1]!;
      assert.ok(delay > 30 && delay < 200, `clients see the queued two start about one generation later (${delay.toFixed(1)} ms)`);
    } finally {
      await sim.close();
    }
  });

  test('step time grows with the batch (batch_slowdown)', async () => {
    const sim = await startLlmSimulator({ decode_ms: 4, batch_slowdown: 1, jitter: 0 });
    try {
      const alone = await timedCompletion(sim.url, { max_tokens: 6 });
      const pair = await Promise.all([timedCompletion(sim.url, { max_tokens: 12 }), timedCompletion(sim.url, { max_tokens: 12 })]);
      const gaps = (id: string) => {
        const c = sim.truth(id)!.chunks;
        return c.slice(1).map((x, i) => x.engine_ms - c[i]!.engine_ms);
      };
      assert.deepEqual(gaps(alone.id).map((g) => Math.round(g * 1000) / 1000), [4, 4, 4, 4, 4]);
      // A step of one sequence takes 8 ms exactly when the other ran in it too: 4 × (1 + 1 × (2 − 1)),
      // plus 0.1 ms when the other's one-token prefill was in that step.
      const [a, b] = [sim.truth(pair[0].id)!, sim.truth(pair[1].id)!];
      let overlapping = 0;
      for (const [me, other] of [[a, b], [b, a]] as const) {
        const otherEnd = other.chunks.at(-1)!.engine_ms;
        me.chunks.slice(1).forEach((c, i) => {
          const start = me.chunks[i]!.engine_ms;
          const gap = Math.round((c.engine_ms - start) * 1000) / 1000;
          const shared = other.admitted_ms! <= start + 1e-9 && otherEnd >= c.engine_ms - 1e-9;
          const expected = !shared ? 4 : Math.abs(other.admitted_ms! - start) < 1e-9 ? 8.1 : 8;
          if (shared) overlapping++;
          assert.equal(gap, expected, `step ${i + 1} of ${me.id}`);
        });
      }
      assert.ok(overlapping >= 4, `the two requests shared steps (${overlapping})`);
    } finally {
      await sim.close();
    }
  });

  test('stall: the whole engine pauses, visible as one long gap to client and truth alike', async () => {
    const sim = await startLlmSimulator({ decode_ms: 2, jitter: 0, stall_ms: 60, stall_every_ms: 150 });
    try {
      const r = await timedCompletion(sim.url, { max_tokens: 100 });
      const c = sim.truth(r.id)!.chunks;
      const engineGaps = c.slice(1).map((x, i) => Math.round((x.engine_ms - c[i]!.engine_ms) * 1000) / 1000);
      // A step is 2 ms, or 2 + 60 ms when a stall window opens during it.
      assert.ok(engineGaps.every((g) => g === 2 || g === 62), `engine gaps ${engineGaps}`);
      assert.ok(engineGaps.includes(62), 'a stall happened');
      const clientGaps = r.chunks.slice(1).map((x, i) => x.t - r.chunks[i]!.t);
      assert.ok(Math.max(...clientGaps) >= 15, `client gap ${Math.max(...clientGaps)}`);
    } finally {
      await sim.close();
    }
  });
});

describe('truth', () => {
  test('what clients measure agrees with the truth: each chunk arrives at or just after its send time', async () => {
    const sim = await startLlmSimulator({ decode_ms: 3, jitter: 0.1, seed: 7 });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => timedCompletion(sim.url, { max_tokens: 10 })));
      const lags: number[] = [];
      for (const r of results) {
        const truth = sim.truth(r.id)!;
        assert.equal(truth.outcome, 'ok');
        assert.equal(truth.chunks.length, r.chunks.length);
        r.chunks.forEach((c, i) => lags.push(c.t - truth.chunks[i]!.t_ms));
        assert.ok(r.chunks[0]!.t >= truth.first_token_ms!);
        assert.ok(r.ttft >= truth.ttft_ms!, 'the client started its clock before the server received the request');
      }
      assert.ok(Math.min(...lags) >= 0, `no chunk arrives before it was sent (min lag ${Math.min(...lags)})`);
      assert.ok(median(lags) < 5, `median lag ${median(lags).toFixed(2)} ms`);
      // Loose on purpose: on a loaded machine the OS can delay the client's read.
      assert.ok(Math.max(...lags) < 100, `max lag ${Math.max(...lags).toFixed(2)} ms`);
      if (process.env.SIM_TEST_VERBOSE) console.log(`lag median ${median(lags).toFixed(3)} max ${Math.max(...lags).toFixed(3)}`);
    } finally {
      await sim.close();
    }
  });

  test('GET /sim/truth/{id} serves the same record, by bare or OpenAI id; /sim/stats counts', async () => {
    const sim = await startLlmSimulator({ decode_ms: 1, jitter: 0 });
    try {
      const r = await timedCompletion(sim.url, { max_tokens: 3 });
      const byHttp = JSON.parse((await get(`${sim.url}/sim/truth/cmpl-${r.id}`)).text);
      assert.deepEqual(byHttp, JSON.parse(JSON.stringify(sim.truth(r.id))));
      assert.equal(byHttp.output_tokens, 3);
      assert.equal(byHttp.prompt_tokens, 1);
      assert.equal(byHttp.itl_ms.length, 2);
      assert.equal(typeof byHttp.time_origin_unix_ms, 'number');
      assert.equal((await get(`${sim.url}/sim/truth/unknown`)).status, 404);
      const stats = JSON.parse((await get(`${sim.url}/sim/stats`)).text);
      assert.equal(stats.requests_total, 1);
      assert.equal(stats.completed, 1);
      assert.equal(stats.generation_tokens, 3);
      assert.equal(stats.by_protocol['openai.completions'], 1);
    } finally {
      await sim.close();
    }
  });
});
