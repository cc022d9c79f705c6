import { parseSet, parseShorthand, type Override } from '../recipe/overrides.js';
import type { Options } from './args.js';

/** The override flags of `aifb run`, `aifb validate` and `aifb slurm script|submit`. */
export const OVERRIDE_FLAGS = {
  rate: { type: 'string', multiple: true, arg: '[NAME=]R', help: 'load.rate R req/s for service NAME, or for every open-loop service' },
  clients: { type: 'string', multiple: true, arg: '[NAME=]N', help: 'load.clients N for service NAME, or for every closed-loop service' },
  duration: { type: 'string', multiple: true, arg: '[NAME=]D', help: 'the measured window (duration: 30s) of NAME, or of every service' },
  set: {
    type: 'string',
    multiple: true,
    arg: 'PATH=VALUE',
    help:
      'any recipe key, e.g. --set services.web.load.arrival=constant or --set global.seed=7 (VALUE is YAML: 50, 10s, [10, 20]); repeatable. ' +
      'Overrides apply in the order given (a later one wins), are validated like the file, and are recorded in the report',
  },
} as const satisfies Options;

const KINDS = new Set(['rate', 'clients', 'duration', 'set']);

/** The overrides given, in the order they were given on the command line: a later one wins. */
export function overridesFrom(order: readonly { flag: string; value: string }[]): Override[] {
  return order.filter((o) => KINDS.has(o.flag)).map((o) => (o.flag === 'set' ? parseSet(o.value) : parseShorthand(o.flag as 'rate' | 'clients' | 'duration', o.value)));
}
