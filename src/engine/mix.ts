import type { MixEntry } from '../recipe/types.js';
import type { Rng } from '../util/rng.js';

/** Weighted choice of the next operation from the recipe's mix. */
export class OperationPicker {
  private readonly names: string[];
  private readonly cumulative: number[];

  constructor(mix: readonly MixEntry[]) {
    if (mix.length === 0) throw new Error('operation mix is empty');
    this.names = mix.map((m) => m.operation);
    let acc = 0;
    const total = mix.reduce((a, m) => a + m.weight, 0);
    this.cumulative = mix.map((m) => (acc += m.weight / total));
  }

  pick(rng: Rng): string {
    if (this.names.length === 1) return this.names[0]!;
    const u = rng.next();
    for (let i = 0; i < this.cumulative.length; i++) if (u < this.cumulative[i]!) return this.names[i]!;
    return this.names[this.names.length - 1]!;
  }
}
