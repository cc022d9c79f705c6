import type { Rng } from '../../../util/rng.js';

export interface TensorInput {
  name: string;
  datatype: string;
  shape: number[];
}

function value(rng: Rng, datatype: string): unknown {
  if (datatype === 'BOOL') return rng.next() < 0.5;
  if (datatype === 'BYTES') return `item-${rng.int(1_000_000)}`;
  if (datatype.startsWith('FP')) return Math.round(rng.next() * 10_000) / 10_000;
  return rng.int(datatype.startsWith('UINT8') || datatype === 'INT8' ? 100 : 10_000);
}

/**
 * A KServe v2 infer request body with random data of the recipe's shapes, built in setup
 * (a ResNet-50 input is 150,528 numbers: far too slow to encode per request).
 */
export function inferBody(inputs: readonly TensorInput[], batch: number, rng: Rng, outputs?: readonly string[]): Buffer {
  const tensors = inputs.map((t) => {
    const shape = t.shape.map((d) => (d === -1 ? batch : d));
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, () => value(rng, t.datatype));
    return { name: t.name, shape, datatype: t.datatype, data };
  });
  const body: Record<string, unknown> = { inputs: tensors };
  if (outputs?.length) body.outputs = outputs.map((name) => ({ name }));
  return Buffer.from(JSON.stringify(body));
}
