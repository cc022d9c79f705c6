import { loadRecipeFile } from '../../recipe/load.js';
import type { LoadProfile, Plan, ServiceSpec } from '../../recipe/types.js';
import { builtinRegistry } from '../../services/catalog.js';
import { MSG } from '../../messages.js';
import { parseCommandArgs, type Options } from '../args.js';
import { OVERRIDE_FLAGS, overridesFrom } from '../overrides.js';
import { commandHelp } from '../help.js';
import type { Command, CommandIO } from '../command.js';
import { AifbError, UsageError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { imageCacheDir } from '../../launch/index.js';
import { describeStarts, portClashes } from '../../launch/seed.js';

const VALIDATE_FLAGS = {
  recipe: { type: 'string', arg: 'FILE', help: 'a recipe (same as a positional argument)' },
  json: { type: 'boolean', help: 'the result as JSON' },
  ...OVERRIDE_FLAGS,
} as const satisfies Options;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check recipes without running them',
  usage: commandHelp('validate', VALIDATE_FLAGS, {
    usage: '<recipe.yaml>... [options]',
    description:
      'Checks each recipe and prints what would run: each service\'s backend and load profile, how and where it starts (external, local process, Slurm job; command; readiness), the steps of a sweep or search, and how long the load will take. Two services that would start on one host with the same port are warned about. Problems are reported as file:line:column with the path of the field; exit code 2 if any recipe has one. An unset ${VAR} is a warning here (a static check needs no secrets); aifb run refuses it.',
  }),
  async run(args, io) {
    const { values, positionals, order } = parseCommandArgs(args, VALIDATE_FLAGS, 'validate');
    const overrides = overridesFrom(order);
    const files = [...(values.recipe ? [values.recipe] : []), ...positionals];
    if (files.length === 0) throw new UsageError('validate: name the recipe file (aifb validate recipe.yaml)');
    let bad = 0;
    const json: unknown[] = [];
    for (const file of files) {
      let plan: Plan;
      try {
        plan = loadRecipeFile(file, { registry: builtinRegistry, env: io.env, missingEnv: 'warn', overrides });
      } catch (err) {
        // With one file the CLI reports it as for every command; with several, each is checked.
        if (files.length === 1 || !(err instanceof AifbError) || err.kind !== 'bad-input') throw err;
        bad++;
        io.stderr.write(`${err.message}\n`);
        if (values.json) json.push({ file, valid: false, error: err.message });
        continue;
      }
      const notes = [...plan.warnings];
      for (const s of plan.services) {
        if (!builtinRegistry.resolve(s.type, s.backend)) notes.push(`services "${s.name}": ${MSG.noBackendForValidate(s.type, s.backend)}`);
      }
      const starts = describeStarts(plan, builtinRegistry, { cwd: io.cwd, logsDir: plan.global.logsDir, imageCache: imageCacheDir(io.env) });
      notes.push(...portClashes(starts));
      if (values.json) {
        const services = plan.services.map(({ fields: _f, ...rest }, i) => ({ ...rest, start: { how: starts[i]!.how, text: starts[i]!.text } }));
        json.push({ file, valid: true, overrides: plan.overrides ?? [], warnings: notes, seed_notes: plan.seedNotes ?? [], estimated_load_seconds: inSeconds(estimate(plan)), services });
      } else describe(file, plan, notes, io, (name) => starts.find((x) => x.service === name)!.text);
    }
    if (values.json) io.stdout.write(JSON.stringify(files.length === 1 ? json[0] : json, null, 2) + '\n');
    if (files.length > 1 && !values.json) io.stdout.write(`${files.length - bad} of ${files.length} recipes valid\n`);
    return bad > 0 ? EXIT.badInput : EXIT.ok;
  },
};

function describe(file: string, plan: Plan, notes: string[], io: CommandIO, startOf: (service: string) => string): void {
  for (const n of notes) io.stderr.write(`warning: ${n}\n`);
  for (const n of plan.seedNotes ?? []) io.stderr.write(`seed: ${n}\n`);
  io.stdout.write(`${file}: valid, ${plan.services.length} service(s)\n`);
  if (plan.overrides?.length) io.stdout.write(`  overrides: ${plan.overrides.join('  ')}\n`);
  for (const s of plan.services) {
    const l = s.load;
    const load = l.mode === 'open' ? `open loop ${l.arrival} ${l.rate} req/s, max_in_flight ${l.maxInFlight}` : `closed loop ${l.clients} client(s)`;
    const end = s.steps
      ? ''
      : [l.durationMs !== undefined ? `${l.durationMs / 1000}s` : '', l.requests !== undefined ? `${l.requests} requests` : ''].filter(Boolean).join(' or ');
    const mix = s.mix.map((m) => `${m.operation} ${m.weight}`).join(', ');
    io.stdout.write(`  ${s.name} (${s.type}${s.backend ? `/${s.backend}` : ''}): ${s.steps ? stepsText(s) : load}${end ? `; ${end}` : ''}; mix ${mix || '-'}\n`);
    io.stdout.write(`    starts: ${startOf(s.name)}\n`);
  }
  const e = estimate(plan);
  const span = (v: { min: number; max: number }) => (v.min === v.max ? secondsText(v.max) : `${secondsText(v.min)} to ${secondsText(v.max)}`);
  const open = e.unbounded.length ? `; ${e.unbounded.join(', ')} end(s) after a request count, not counted` : '';
  io.stdout.write(`  estimated load time: ${span(e.parallel)} (services at once; --sequential: ${span(e.sequential)}), plus setup and launch${open}\n`);
}

/** What a sweep or search will run, step by step. */
function stepsText(s: ServiceSpec): string {
  const p = s.steps!;
  const step = `${p.stepDurationMs / 1000}s each${warmupMs(s.load) ? ` after a ${warmupMs(s.load) / 1000}s warm-up` : ''}`;
  if (p.kind === 'sweep') {
    const unit = p.variable === 'rate' ? ' req/s' : ' clients';
    return `sweep of ${p.values.length} step(s), ${step}: ${p.values.map((v) => `${s.name}@${p.variable}=${v} (${v}${unit})`).join(', ')}`;
  }
  return `search for the highest rate where ${p.target * 100}% of requests meet the SLOs: ${s.name}@rate=${p.minRate}, then @rate=${p.maxRate}, then up to ${p.steps} midpoint(s) (${step})`;
}

/** The estimate in seconds, for --json. */
function inSeconds(e: ReturnType<typeof estimate>) {
  const s = (v: { min: number; max: number }) => ({ min: v.min / 1000, max: v.max / 1000 });
  return { parallel: s(e.parallel), sequential: s(e.sequential), unbounded: e.unbounded };
}

const warmupMs = (l: LoadProfile) => (l.warmup.kind === 'time' ? l.warmup.ms : 0);

function secondsText(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 120 ? `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60}s` : ''}`.trim() : `${s}s`;
}

/**
 * How long the load of a plan takes, in milliseconds: each service's warm-up (when timed)
 * and window, each step of a sweep, and a search's shortest (its first step fails) to
 * longest (every midpoint) course. Services bounded only by a request count are listed apart.
 */
export function estimate(plan: Plan): { parallel: { min: number; max: number }; sequential: { min: number; max: number }; unbounded: string[] } {
  const unbounded: string[] = [];
  const per = plan.services.map((s) => {
    const w = warmupMs(s.load);
    const p = s.steps;
    if (p?.kind === 'sweep') return { min: p.values.length * (w + p.stepDurationMs), max: p.values.length * (w + p.stepDurationMs) };
    if (p?.kind === 'search') return { min: w + p.stepDurationMs, max: (2 + p.steps) * (w + p.stepDurationMs) };
    if (s.load.durationMs === undefined) {
      unbounded.push(s.name);
      return { min: w, max: w };
    }
    return { min: w + s.load.durationMs, max: w + s.load.durationMs };
  });
  const sum = (k: 'min' | 'max') => per.reduce((a, x) => a + x[k], 0);
  const most = (k: 'min' | 'max') => per.reduce((a, x) => Math.max(a, x[k]), 0);
  return { parallel: { min: most('min'), max: most('max') }, sequential: { min: sum('min'), max: sum('max') }, unbounded };
}
