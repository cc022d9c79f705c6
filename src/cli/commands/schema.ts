import { z } from 'zod';
import { commonServiceShape, recipeSchemaWith } from '../../recipe/schema.js';
import { builtinRegistry } from '../../services/catalog.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';

/** JSON Schema of the recipe: common service keys plus every backend's own keys. */
export function recipeJsonSchema(): unknown {
  const backendFields = Object.assign({}, ...builtinRegistry.all().map((d) => d.fields)) as z.ZodRawShape;
  const service = z.strictObject({ ...commonServiceShape, ...backendFields });
  const schema = z.toJSONSchema(recipeSchemaWith(service), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: 'https://aifb.dev/schema/recipe.json', title: 'aifb recipe', ...schema };
}

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of recipes (for editors)',
  usage: `aifb schema

Prints the recipe's JSON Schema. With the YAML language server, put
  # yaml-language-server: $schema=./aifb-recipe.schema.json
at the top of a recipe after saving the output as aifb-recipe.schema.json.`,
  async run(_args, io) {
    io.stdout.write(JSON.stringify(recipeJsonSchema(), null, 2) + '\n');
    return EXIT.ok;
  },
};
