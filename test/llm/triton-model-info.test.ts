import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLlmSimulator, type LlmSimulator } from '../../src/sim/llm/server.js';
import { parseModelInfo, requestInputs } from '../../src/services/llm/triton/model-info.js';
import { adapterFor, runOps, setupCtx } from '../helpers/llm.js';
import type { Adapter } from '../../src/services/contract.js';

const teardown = (a: Adapter) => a.teardown({ benchmarkId: 't', log: setupCtx().log, failed: false });

/** nv_inference_count and nv_inference_exec_count of a model, from the simulator's /metrics. */
async function counts(sim: LlmSimulator, model: string): Promise<{ inferences: number; executions: number }> {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`model="${model}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  return { inferences: value('nv_inference_count'), executions: value('nv_inference_exec_count') };
}

describe('Triton: the model decides the operation when the recipe names none', () => {
  let sim: LlmSimulator;
  before(async () => {
    sim = await startLlmSimulator({
      models: ['ensemble'],
      decode_ms: 1,
      jitter: 0,
      tensor_models: [
        { name: 'resnet50', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1000] }], compute_ms: 1 },
        // No batch dimension (max_batch_size 0) and a variable one, with two datatypes.
        {
          name: 'tagger',
          inputs: [
            { name: 'ids', datatype: 'INT64', shape: [1, -1] },
            { name: 'mask', datatype: 'BOOL', shape: [1, 8] },
          ],
          outputs: [{ name: 'tags', datatype: 'INT32', shape: [1, 8] }],
          compute_ms: 1,
        },
      ],
    });
  });
  after(() => sim.close());

  test('the seed\'s resnet50 service (model, no operation, no inputs) runs infer with inputs from the model\'s metadata, batch_size as the batch', async () => {
    const { adapter, spec } = await adapterFor(`service_type: triton
service_url: ${sim.url}
model: resnet50
batch_size: 4`);
    assert.deepEqual(spec.mix, [{ operation: 'generate_stream', weight: 1 }], 'before setup the plan cannot know');
    await adapter.setup(setupCtx());
    assert.deepEqual(adapter.resolvedMix?.(), [{ operation: 'infer', weight: 1 }]);
    const before = await counts(sim, 'resnet50');
    const results = await runOps(adapter, 'infer', 6);
    await teardown(adapter);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
    // 3 × 224 × 224 FP32 values per image, 4 images per request, sent as JSON.
    assert.ok(results[0]!.bytesOut! > 4 * 150_528 * 2, `sent ${results[0]!.bytesOut} bytes`);
    const now = await counts(sim, 'resnet50');
    assert.equal(now.executions - before.executions, 6);
    assert.equal(now.inferences - before.inferences, 24, 'every request carried a batch of 4');
  });

  test('an LLM model (decoupled, text_input) keeps generate_stream', async () => {
    const { adapter } = await adapterFor(`service_type: triton
service_url: ${sim.url}
model: ensemble
max_tokens: 4`);
    await adapter.setup(setupCtx());
    assert.equal(adapter.resolvedMix?.(), undefined);
    const [r] = await runOps(adapter, 'generate_stream', 1);
    await teardown(adapter);
    assert.ok(r!.ok, r!.message);
  });

  test('declared inputs win over the metadata; operation_mix infer without inputs takes them from the model', async () => {
    // A wrong declared shape proves the recipe's inputs were sent: the server refuses them.
    const declared = await adapterFor(`service_type: triton
service_url: ${sim.url}
model: resnet50
inputs: [{name: input, datatype: FP32, shape: [-1, 3, 8, 8]}]`);
    await declared.adapter.setup(setupCtx());
    const [bad] = await runOps(declared.adapter, 'infer', 1);
    await teardown(declared.adapter);
    assert.equal(bad!.ok, false);
    assert.match(String(bad!.message), /unexpected shape/);

    const mixOnly = await adapterFor(`service_type: triton
service_url: ${sim.url}
model: tagger
operation_mix: {infer: 1}`);
    await mixOnly.adapter.setup(setupCtx());
    assert.equal(mixOnly.adapter.resolvedMix?.(), undefined, 'the recipe\'s mix stays');
    const [ok] = await runOps(mixOnly.adapter, 'infer', 1);
    await teardown(mixOnly.adapter);
    assert.ok(ok!.ok, ok!.message);
  });

  test('a model without batching refuses batch_size > 1; a batch above max_batch_size is refused', async () => {
    for (const [model, batch, message] of [
      ['tagger', 2, /does not batch \(max_batch_size 0\)/],
      ['resnet50', 16, /above the max_batch_size 8/],
    ] as const) {
      const { adapter } = await adapterFor(`service_type: triton
service_url: ${sim.url}
model: ${model}
batch_size: ${batch}`);
      await assert.rejects(adapter.setup(setupCtx()), message);
      await teardown(adapter);
    }
  });

  test('an unknown model fails setup with the server\'s answer', async () => {
    const { adapter } = await adapterFor(`service_type: triton
service_url: ${sim.url}
model: nope`);
    await assert.rejects(adapter.setup(setupCtx()), /nope/);
    await teardown(adapter);
  });
});

test('parseModelInfo/requestInputs: Triton\'s metadata and config as perf_analyzer reads them', () => {
  const resnet = parseModelInfo(
    { name: 'resnet50', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3, 224, 224] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1000] }] },
    { max_batch_size: 8, input: [{ name: 'input', data_type: 'TYPE_FP32', dims: ['3', '224', '224'] }] },
  );
  assert.equal(resnet.generative, false);
  assert.equal(resnet.maxBatchSize, 8);
  assert.deepEqual(requestInputs(resnet, 2, 's').inputs, [{ name: 'input', datatype: 'FP32', shape: [2, 3, 224, 224] }]);
  // A metadata shape without the batch dimension (as long as the config's dims) gets one.
  const short = parseModelInfo({ inputs: [{ name: 'x', datatype: 'FP16', shape: ['3', '4'] }] }, { max_batch_size: '4', input: [{ name: 'x', dims: [3, 4] }] });
  assert.deepEqual(requestInputs(short, 3, 's').inputs[0]!.shape, [3, 3, 4]);
  // Variable dimensions become 1 and are said.
  const variable = parseModelInfo({ inputs: [{ name: 'ids', datatype: 'INT64', shape: [-1, -1] }] }, { max_batch_size: 4 });
  const r = requestInputs(variable, 1, 's');
  assert.deepEqual(r.inputs[0]!.shape, [1, 1]);
  assert.deepEqual(r.chosen, ['ids[1] = 1']);
  // LLMs: decoupled, or a BYTES text_input.
  assert.equal(parseModelInfo({ inputs: [{ name: 'text_input', datatype: 'BYTES', shape: [1] }] }, {}).generative, true);
  assert.equal(parseModelInfo({ inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1] }] }, { model_transaction_policy: { decoupled: true } }).generative, true);
  assert.throws(() => parseModelInfo({ inputs: [{ name: 'x' }] }, {}), /inputs\[0\] is not/);
});
