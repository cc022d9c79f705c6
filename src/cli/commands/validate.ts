import { loadRecipeFile } from '../../recipe/load.js';
import { builtinRegistry } from '../../services/catalog.js';
import { MSG } from '../../messages.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a recipe without running it',
  usage: `aifb validate <recipe.yaml> [--json]

Checks the recipe and prints what would run: each service's backend and load profile.
Problems are reported as file:line:column with the path of the field; exit code 2.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, recipe: { type: 'string' } }, 'validate');
    const file = values.recipe ?? positionals[0];
    if (!file) throw new UsageError('validate: name the recipe file (aifb validate recipe.yaml)');
    const plan = loadRecipeFile(file, { registry: builtinRegistry, env: io.env });
    const notes = [...plan.warnings];
    for (const s of plan.services) {
      if (!builtinRegistry.resolve(s.type, s.backend)) notes.push(`services "${s.name}": ${MSG.noBackendForValidate(s.type, s.backend)}`);
    }
    if (values.json) {
      io.stdout.write(JSON.stringify({ valid: true, warnings: notes, seed_notes: plan.seedNotes ?? [], services: plan.services.map(({ fields: _f, ...rest }) => rest) }, null, 2) + '\n');
      return EXIT.ok;
    }
    for (const n of notes) io.stderr.write(`warning: ${n}\n`);
    for (const n of plan.seedNotes ?? []) io.stderr.write(`seed: ${n}\n`);
    io.stdout.write(`${file}: valid, ${plan.services.length} service(s)\n`);
    for (const s of plan.services) {
      const l = s.load;
      const load = l.mode === 'open' ? `open loop ${l.arrival} ${l.rate} req/s, max_in_flight ${l.maxInFlight}` : `closed loop ${l.clients} client(s)`;
      const end = [l.durationMs !== undefined ? `${l.durationMs / 1000}s` : '', l.requests !== undefined ? `${l.requests} requests` : '']
        .filter(Boolean)
        .join(' or ');
      const mix = s.mix.map((m) => `${m.operation} ${m.weight}`).join(', ');
      io.stdout.write(`  ${s.name} (${s.type}${s.backend ? `/${s.backend}` : ''}): ${load}; ${end}; mix ${mix || '-'}\n`);
    }
    return EXIT.ok;
  },
};
