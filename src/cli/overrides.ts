import { parseSet, parseShorthand, type Override } from '../recipe/overrides.js';

/** The override flags of `aifb run` and `aifb validate`. */
export const OVERRIDE_FLAGS = {
  set: { type: 'string', multiple: true },
  rate: { type: 'string', multiple: true },
  clients: { type: 'string', multiple: true },
  duration: { type: 'string', multiple: true },
} as const;

/** Usage lines for those flags. */
export const OVERRIDE_USAGE = `  --rate [NAME=]R      load.rate R req/s for service NAME, or for every open-loop service
  --clients [NAME=]N   load.clients N for service NAME, or for every closed-loop service
  --duration [NAME=]D  the measured window (duration: 30s) of NAME, or of every service
  --set PATH=VALUE     any recipe key, e.g. --set services.web.load.arrival=constant or
                       --set global.seed=7 (VALUE is YAML: 50, 10s, [10, 20]); repeatable.
                       Overrides are applied in this order (--rate, --clients, --duration,
                       then --set), validated like the file, and recorded in the report`;

/** The overrides given, in the order they apply. */
export function overridesFrom(values: { set?: string[]; rate?: string[]; clients?: string[]; duration?: string[] }): Override[] {
  return [
    ...(values.rate ?? []).map((t) => parseShorthand('rate', t)),
    ...(values.clients ?? []).map((t) => parseShorthand('clients', t)),
    ...(values.duration ?? []).map((t) => parseShorthand('duration', t)),
    ...(values.set ?? []).map(parseSet),
  ];
}
