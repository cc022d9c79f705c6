import { z } from 'zod';
import { commonServiceShape, globalSchema, loadSchema, benchmarkSchema } from '../../recipe/schema.js';
import { describedShape } from '../../recipe/descriptions.js';
import { thresholdsSchemaFor } from '../../recipe/thresholds.js';
import type { BackendDefinition } from '../../services/contract.js';
import { builtinRegistry } from '../../services/catalog.js';
import type { Command } from '../command.js';
import { commandHelp } from '../help.js';
import { EXIT } from '../exit-codes.js';

type Json = Record<string, unknown>;
/** zod's JSON Schema options: the recipe as written (input), a case-insensitive pattern made so. */
const OPTS = {
  io: 'input',
  unrepresentable: 'any',
  override: (ctx: { zodSchema: unknown; jsonSchema: Json }) => {
    const checks = (ctx.zodSchema as { _zod?: { def?: { checks?: { _zod?: { def?: { pattern?: unknown } } }[] } } })._zod?.def?.checks ?? [];
    const ignoreCase = checks.some((c) => c._zod?.def?.pattern instanceof RegExp && c._zod.def.pattern.flags.includes('i'));
    if (ignoreCase && typeof ctx.jsonSchema.pattern === 'string') ctx.jsonSchema.pattern = caseless(ctx.jsonSchema.pattern);
  },
} as const;

/** A regex source matching either case (JSON Schema patterns have no flags): `k` → `[kK]`, `[kmg]` → `[kmgKMG]`. */
export function caseless(source: string): string {
  let out = '';
  let inClass = false;
  let extra = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      out += c + (source[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') {
        out += extra + c;
        inClass = false;
      } else {
        out += c;
        if (/[a-z]/i.test(c) && source[i + 1] !== '-' && source[i - 1] !== '-') extra += c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      }
    } else if (c === '[') {
      out += c;
      inClass = true;
      extra = '';
    } else out += /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

/** A `\${VAR}` reference, which the recipe may put where a number or a boolean goes. */
const ENV_REF = { type: 'string', pattern: '\\$\\{[^}]+\\}', description: 'an environment variable, \${NAME} or \${NAME:-default}' };

/** Lets every number or boolean in the schema also be a \${VAR} reference (interpolated before validation). */
function allowEnvRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowEnvRefs);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    out[k] = k === 'properties' || k === '$defs' ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, allowEnvRefs(s)])) : allowEnvRefs(v);
  }
  const t = out.type;
  if (t === 'number' || t === 'integer' || t === 'boolean' || Array.isArray(out.enum)) {
    const { description, ...rest } = out;
    return { ...(description ? { description } : {}), anyOf: [rest, { $ref: '#/$defs/env_reference' }] };
  }
  return out;
}

/** Every service type aifb knows: the catalogue's (the seed's types included). */
export function serviceTypes(): string[] {
  return [...new Set(builtinRegistry.types())].sort();
}

/**
 * One branch per service type and backend: service_type (and backend) fixed, the common
 * keys plus that backend's own, nothing else. A type's default backend also matches with
 * no `backend`, so exactly one branch fits each valid service (oneOf).
 */
function branches(type: string, shared: Map<string, string>): Json[] {
  const defs = builtinRegistry.all().filter((d) => d.serviceTypes.includes(type));
  const common = describedShape({ ...commonServiceShape, load: loadSchemaDescribed() }, type);
  const branch = (d: BackendDefinition | undefined, backend: z.ZodType | undefined) => {
    // Thresholds name the backend's declared metrics beside the fixed ones.
    const thresholds = thresholdsSchemaFor(d?.metrics ?? []).optional();
    const shape = { ...common, ...describedShape({ ...(d?.fields ?? {}), thresholds }, type), service_type: z.literal(type).describe(d?.description ?? `${type} (the seed's service type)`) };
    const json = z.toJSONSchema(z.strictObject(backend ? { ...shape, backend } : shape), OPTS) as Json & { properties: Record<string, unknown> };
    delete json.$schema;
    // A key whose schema another branch already has is a reference to one copy in $defs:
    // every service type repeats the common keys, and the schema would be megabytes.
    for (const [key, value] of Object.entries(json.properties)) {
      const text = JSON.stringify(value);
      let name = shared.get(text);
      if (!name) shared.set(text, (name = uniqueName(key, shared)));
      json.properties[key] = { $ref: `#/$defs/${name}` };
    }
    return { title: d?.backend ? `${type}/${d.backend}` : type, ...json };
  };
  if (defs.length === 0) return [branch(undefined, undefined)];
  if (defs.length === 1 && !defs[0]!.backend) return [branch(defs[0], undefined)];
  return defs.map((d) => {
    const names = [d.backend!, ...(d.aliases ?? []), ...(d.isDefault || defs.length === 1 ? [type] : [])];
    const named = z.enum(names as [string, ...string[]]).describe(`${d.backend}${d.isDefault || defs.length === 1 ? ' (the default)' : ''}`);
    return branch(d, d.isDefault || defs.length === 1 ? named.optional() : named);
  });
}

function uniqueName(key: string, shared: Map<string, string>): string {
  const taken = new Set(shared.values());
  let name = key;
  for (let i = 2; taken.has(name); i++) name = `${key}_${i}`;
  return name;
}

const loadSchemaDescribed = () => z.strictObject(describedShape(loadSchema.shape)).describe('How load is offered: open loop (rate) or closed loop (clients), stages, warm-up, sweep or search').optional();

/** JSON Schema of the recipe: `service_type` an enum, then one branch per service type and backend, with descriptions. */
export function recipeJsonSchema(): unknown {
  const types = serviceTypes();
  const shared = new Map<string, string>();
  const top = z.strictObject({
    benchmark: z.strictObject(describedShape(benchmarkSchema.shape)).optional(),
    global: z.strictObject(describedShape(globalSchema.shape, 'global')).optional(),
    services: z.array(z.any()).min(1),
  });
  const schema = z.toJSONSchema(top, OPTS) as Json & { properties: Json };
  const service = {
    type: 'object',
    required: ['service_name', 'service_type'],
    properties: { service_type: { enum: types, description: 'What is benchmarked; each type has its own keys' } },
    oneOf: types.flatMap((t) => branches(t, shared)),
  };
  schema.$defs = { ...Object.fromEntries([...shared].map(([text, name]) => [name, JSON.parse(text) as unknown])), env_reference: ENV_REF };
  (schema.properties.services as Json).items = service;
  (schema.properties.services as Json).description = 'The services to benchmark, each with its load';
  return { $id: 'https://aifb.dev/schema/recipe.json', title: 'aifb recipe', ...(allowEnvRefs(schema) as Json) };
}

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of recipes (for editors)',
  usage: commandHelp('schema', {}, {
    usage: '> aifb-recipe.schema.json',
    description:
      "Prints the recipe's JSON Schema: service_type is an enum, and each service type (and backend) has its own keys, with descriptions, so an editor completes per backend.",
    after: 'With the YAML language server, put\n  # yaml-language-server: $schema=./aifb-recipe.schema.json\nat the top of a recipe after saving the output as aifb-recipe.schema.json.',
  }),
  async run(_args, io) {
    io.stdout.write(JSON.stringify(recipeJsonSchema(), null, 2) + '\n');
    return EXIT.ok;
  },
};
