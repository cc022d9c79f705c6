import type { SetupContext } from '../../contract.js';
import type { MixEntry } from '../../../recipe/types.js';
import type { ServiceOf } from '../../fields.js';
import type { tritonFields } from '../common/fields.js';
import type { LlmEndpoint } from '../common/client.js';
import { fetchModelInfo, requestInputs } from './model-info.js';
import type { TensorInput } from './tensors.js';

/**
 * For a service that names a model but no operation (the seed's `model: resnet50`), or
 * asks for `infer` without declaring `inputs`: reads the model from the server and
 * returns the operation to run and the tensors to send. An LLM (text_input, or a
 * decoupled model) keeps generate_stream; any other model is run with infer, on random
 * data of its declared datatypes and shapes. Undefined when the recipe said it all.
 */
export async function chooseFromModel(
  spec: ServiceOf<typeof tritonFields>,
  endpoint: LlmEndpoint,
  modelPath: (suffix: string) => string,
  ctx: SetupContext,
): Promise<{ mix: MixEntry[] | undefined; inputs: TensorInput[] | undefined } | undefined> {
  const f = spec.fields;
  const declaredInputs = f.inputs !== undefined;
  const auto = f.operation_mix === undefined && !declaredInputs;
  const wantsInfer = spec.mix.some((m) => m.operation === 'infer');
  if (!auto && !(wantsInfer && !declaredInputs)) return undefined;
  const model = f.model ?? 'ensemble';
  const info = await fetchModelInfo(endpoint, modelPath, ctx.signal, `${spec.name}: Triton model "${model}"`);
  if (auto && info.generative) {
    ctx.log.info(`model "${model}" is an LLM (text_input or decoupled): running generate_stream`);
    return { mix: undefined, inputs: undefined };
  }
  if (!wantsInfer && !auto) return undefined;
  const batch = f.batch_size ?? 1;
  const { inputs, chosen } = requestInputs(info, batch, spec.name);
  const shapes = inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(',')}]`).join(', ');
  ctx.log.info(
    `model "${model}" (max_batch_size ${info.maxBatchSize}): infer with random ${shapes}` +
      (chosen.length > 0 ? `; variable dimensions set to ${chosen.join(', ')} (declare inputs to choose them)` : ''),
  );
  return { mix: auto ? [{ operation: 'infer', weight: 1 }] : undefined, inputs };
}
