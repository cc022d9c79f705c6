import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLlmSimulator, type LlmSimulator } from '../../src/sim/llm/server.js';
import { get, postJson, postStream, sseData, words } from './helpers.js';

describe('Triton (KServe v2) protocol', () => {
  let sim: LlmSimulator;
  before(async () => {
    sim = await startLlmSimulator({ models: ['ensemble'], decode_ms: 2, jitter: 0 });
  });
  after(() => sim.close());

  test('health, readiness and metadata', async () => {
    assert.equal((await get(`${sim.url}/v2/health/live`)).status, 200);
    assert.equal((await get(`${sim.url}/v2/health/ready`)).status, 200);
    assert.equal((await get(`${sim.url}/v2/models/ensemble/ready`)).status, 200);
    assert.equal((await get(`${sim.url}/v2/models/resnet50/versions/1/ready`)).status, 200);
    const unknown = await get(`${sim.url}/v2/models/nope/ready`);
    assert.equal(unknown.status, 400);
    assert.match(JSON.parse(unknown.text).error, /not ready/);
    const unknownMeta = await get(`${sim.url}/v2/models/nope`);
    assert.equal(unknownMeta.status, 404, 'as Triton 2.51 answers');
    assert.match(JSON.parse(unknownMeta.text).error, /unknown model/);
    const meta = JSON.parse((await get(`${sim.url}/v2/models/resnet50`)).text);
    assert.deepEqual(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }]);
    assert.deepEqual(meta.versions, ['1']);
  });

  test('generate: one JSON with model_name, model_version and text_output', async () => {
    const r = await postJson(`${sim.url}/v2/models/ensemble/generate`, { text_input: 'What is Triton?', parameters: { max_tokens: 6, ignore_eos: true } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['model_name', 'model_version', 'text_output']);
    assert.equal(r.json.model_name, 'ensemble');
    assert.equal(r.json.model_version, '1');
    assert.equal(words(r.json.text_output), 6);
    // TensorRT-LLM style: parameters at the top level are passed to the model too.
    const top = await postJson(`${sim.url}/v2/models/ensemble/generate`, { text_input: 'x', max_tokens: 3, ignore_eos: true });
    assert.equal(words(top.json.text_output), 3);
  });

  test('generate_stream: one SSE event per chunk', async () => {
    const r = await postStream(`${sim.url}/v2/models/ensemble/generate_stream`, { text_input: 'x', parameters: { max_tokens: 5, ignore_eos: true } });
    assert.equal(r.status, 200);
    const events = sseData(r.lines).map((l) => JSON.parse(l.text));
    assert.equal(events.length, 5);
    for (const e of events) {
      assert.equal(e.model_name, 'ensemble');
      assert.equal(words(e.text_output), 1);
    }
  });

  test('infer: a resnet50-like model returns FP32 [1,1000]; bad shapes and decoupled models are refused', async () => {
    const data = new Array(3 * 224 * 224).fill(0.5);
    const r = await postJson(`${sim.url}/v2/models/resnet50/infer`, {
      id: 'req-1',
      inputs: [{ name: 'input', shape: [1, 3, 224, 224], datatype: 'FP32', data }],
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.model_name, 'resnet50');
    assert.equal(r.json.id, 'req-1');
    assert.equal(r.json.outputs.length, 1);
    const out = r.json.outputs[0];
    assert.deepEqual([out.name, out.datatype, out.shape], ['output', 'FP32', [1, 1000]]);
    assert.equal(out.data.length, 1000);
    assert.ok(out.data.every((x: unknown) => typeof x === 'number'));
    const truth = sim.truth(String(r.headers['x-sim-request-id']))!;
    assert.ok(truth.compute_ms! >= 4, `compute_ms ${truth.compute_ms} follows compute_ms 5 (jitter 0)`);

    const badShape = await postJson(`${sim.url}/v2/models/resnet50/infer`, { inputs: [{ name: 'input', shape: [1, 3, 224], datatype: 'FP32', data: [1] }] });
    assert.equal(badShape.status, 400);
    assert.match(badShape.json.error, /unexpected shape/);
    const decoupled = await postJson(`${sim.url}/v2/models/ensemble/infer`, { inputs: [] });
    assert.equal(decoupled.status, 501, 'as Triton 2.51 answers');
    assert.match(decoupled.json.error, /decoupled transaction policy/);
  });

  test('/metrics has the nv_inference_* counters with model and version labels', async () => {
    const text = (await get(`${sim.url}/metrics`)).text;
    for (const name of [
      'nv_inference_request_success',
      'nv_inference_request_failure',
      'nv_inference_count',
      'nv_inference_exec_count',
      'nv_inference_request_duration_us',
      'nv_inference_queue_duration_us',
      'nv_inference_compute_infer_duration_us',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'));
      assert.match(text, new RegExp(`^${name}\\{model="resnet50",version="1"\\} \\d`, 'm'));
    }
    const success = Number(/^nv_inference_request_success\{model="resnet50",version="1"\} (\S+)$/m.exec(text)?.[1]);
    assert.equal(success, 1);
    const generated = Number(/^nv_inference_request_success\{model="ensemble",version="1"\} (\S+)$/m.exec(text)?.[1]);
    assert.equal(generated, 3);
  });
});

describe('Triton failures', () => {
  test('midstream failure: HTTP 200, some text events, then an {"error": …} event', async () => {
    const sim = await startLlmSimulator({ decode_ms: 1, jitter: 0, midstream_error_rate: 1 });
    try {
      const r = await postStream(`${sim.url}/v2/models/sim-llm/generate_stream`, { text_input: 'x', parameters: { max_tokens: 8, ignore_eos: true } });
      assert.equal(r.status, 200);
      assert.equal(r.error, undefined, 'the stream ends cleanly; the failure is in-band');
      const events = sseData(r.lines).map((l) => JSON.parse(l.text));
      const last = events.at(-1);
      assert.equal(typeof last.error, 'string');
      assert.ok(events.length >= 2);
      for (const e of events.slice(0, -1)) assert.equal(typeof e.text_output, 'string');
      const metrics = (await get(`${sim.url}/metrics`)).text;
      assert.match(metrics, /^nv_inference_request_failure\{model="sim-llm",version="1"\} 1(\.0)?$/m);
    } finally {
      await sim.close();
    }
  });
});
