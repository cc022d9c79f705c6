import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { BOUNDS } from './bounds.js';
import { duplicateKeys, nestingOrMessage } from './yaml-keys.js';
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { RecipeError, formatIssue, type RecipeIssue } from '../errors.js';
import { MSG } from '../messages.js';
import { nearest } from '../util/suggest.js';
import type { BackendRegistry } from '../services/registry.js';
import type { BackendDefinition, MetricDeclaration } from '../services/contract.js';
import { describeDeclaredThresholds, thresholdsSchemaFor } from './thresholds.js';
import { interpolateEnv, type PathSegment } from './env.js';
import { formatPath, locate } from './positions.js';
import { describeIssues } from './zod-issues.js';
import { redactRecipe, registerSecretsIn } from './secrets.js';
import { registerEnvValue, scrub } from '../util/scrub.js';
import { commonServiceShape, looseRecipeSchema, type RecipeFields } from './schema.js';
import { builtinRegistry } from '../services/catalog.js';
import { tryFieldsOf } from '../services/fields.js';
import { checkLoadFields, buildPlan } from './plan.js';
import { applySeedCompat } from './seed.js';
import type { Plan } from './types.js';
import { applyOverrides, OVERRIDES_HEADER, type Override } from './overrides.js';

export interface LoadOptions {
  registry: BackendRegistry;
  env?: NodeJS.ProcessEnv;
  /**
   * What an unset `${VAR}` is: an error (default: `aifb run` needs the value), or a warning
   * (`aifb validate` is a static check and must not need secrets). As a warning the
   * reference stays as written; a field that needs a number there still fails.
   */
  missingEnv?: 'error' | 'warn';
  /** Changes from the command line (--set, --rate, …), applied before validation (src/recipe/overrides.ts). */
  overrides?: readonly Override[];
}

/** Reads, validates and normalises a recipe file; throws one RecipeError listing every problem. */
export function loadRecipeFile(file: string, options: LoadOptions): Plan {
  return loadRecipeText(readRecipeFile(file), file, options);
}

/**
 * The recipe's text, read only from a regular file of at most BOUNDS.recipeBytes: a FIFO
 * would block the process, `/dev/zero` never ends, and a 60 MB "recipe" is not one.
 */
export function readRecipeFile(file: string): string {
  const refuse = (message: string, cause?: unknown) => new RecipeError([{ path: '', message }], cause === undefined ? undefined : { cause });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse(code === 'ENOENT' ? MSG.fileNotFound(file) : MSG.fileUnreadable(file, (err as Error).message), err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse(MSG.fileUnreadable(file, st.isDirectory() ? 'it is a directory' : 'not a regular file'));
    if (st.size > BOUNDS.recipeBytes) throw refuse(MSG.recipeTooLarge(file, st.size, BOUNDS.recipeBytes));
    const buf = Buffer.alloc(BOUNDS.recipeBytes + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > BOUNDS.recipeBytes) throw refuse(MSG.recipeTooLarge(file, n, BOUNDS.recipeBytes));
    return buf.toString('utf8', 0, n);
  } catch (err) {
    if (err instanceof RecipeError) throw err;
    throw refuse(MSG.fileUnreadable(file, (err as Error).message), err);
  } finally {
    closeSync(fd);
  }
}

/** Validates recipe text; `file` is used in messages. */
export function loadRecipeText(text: string, file: string, options: LoadOptions): Plan {
  if (text.length > BOUNDS.recipeBytes) throw new RecipeError([{ path: '', message: MSG.recipeTooLarge(file, text.length, BOUNDS.recipeBytes) }]);
  const lines = new LineCounter();
  // yaml's own unique-keys check compares every key with every other (quadratic); ours is
  // linear (duplicateKeys). Merge keys (`<<: *base`) are YAML 1.1's and recipes use them.
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true });
  } catch (err) {
    throw new RecipeError([{ position: { file, line: 1, column: 1 }, path: '', message: MSG.yamlSyntax(nestingOrMessage(err)) }], { cause: err });
  }
  const issues: RecipeIssue[] = [];
  // Messages quote values; a value from the environment or under a secret-named key is scrubbed out.
  const issueAt = (path: PathSegment[], message: string, isKey = false) =>
    issues.push({ position: locate(doc, lines, file, path, isKey), path: scrub(formatPath(path)), message: scrub(message + overrideNote(path)) });

  const dups = doc.errors.length > 0 ? [] : duplicateKeys(doc);
  if (doc.errors.length > 0 || dups.length > 0) {
    throw new RecipeError([
      ...doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          position: { file, line: pos.line, column: pos.col },
          path: '',
          message: MSG.yamlSyntax(e.message.split('\n')[0] ?? e.message),
        };
      }),
      ...dups.map((d) => {
        const pos = lines.linePos(d.offset);
        return { position: { file, line: pos.line, column: pos.col }, path: '', message: MSG.yamlSyntax(`the key "${scrub(d.key)}" appears twice in one mapping`) };
      }),
    ]);
  }

  const overrides = options.overrides ?? [];
  const applied = overrides.length ? applyOverrides(doc, overrides) : { paths: [] };
  // A problem in a value the command line set names the flag: the file is not where it came from.
  const overrideNote = (path: PathSegment[]) => {
    const hit = applied.paths.findLast((a) => a.path.every((seg, i) => String(path[i]) === String(seg)) || path.every((seg, i) => String(a.path[i]) === String(seg)));
    return hit ? ` (set by ${hit.flag})` : '';
  };

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Unresolved or runaway aliases surface here rather than as parse errors.
    throw new RecipeError([{ position: locate(doc, lines, file, []), path: '', message: MSG.yamlSyntax(nestingOrMessage(err)) }], { cause: err });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RecipeError([{ position: locate(doc, lines, file, []), path: '', message: MSG.notAMapping }]);
  }

  const { value, problems, resolved } = interpolateEnv(raw, options.env ?? process.env);
  // A value also written in the file outside any reference is no secret (and a script may keep it literal).
  const literalText = text.replace(/\$\{[^}]*\}/g, '\0');
  for (const r of resolved) if (!literalText.includes(r.value)) registerEnvValue(r.name, r.value);
  registerSecretsIn(value);
  const envWarnings: string[] = [];
  for (const p of problems) {
    if (options.missingEnv !== 'warn') issueAt(p.path, p.message);
    else envWarnings.push(formatIssue({ position: locate(doc, lines, file, p.path), path: formatPath(p.path), message: `${p.message}; aifb run needs it` }));
  }

  const seed = applySeedCompat(value, options.registry);
  const first = looseRecipeSchema.safeParse(seed.value, { reportInput: true });
  if (!first.success) {
    for (const i of describeIssues(first.error, looseRecipeSchema)) issueAt(i.path, i.message, i.isKey);
    throw new RecipeError(issues);
  }
  const recipe = first.data;
  const definitions = checkServices(recipe, options.registry, issueAt);
  if (issues.length > 0) throw new RecipeError(issues);

  const redacted = redactRecipe(doc);
  // The stored text is the recipe as run (overrides applied), headed by the flags that changed it.
  const storedText = overrides.length ? `${OVERRIDES_HEADER}${scrub(JSON.stringify(overrides.map((o) => o.flag)))}\n${redacted.text}` : redacted.text;
  const plan = buildPlan(recipe, definitions, {
    file,
    redactedText: storedText,
    recipeHash: createHash('sha256').update(storedText).digest('hex'),
  });
  plan.overrides = overrides.map((o) => scrub(o.flag));
  if (overrides.length) plan.overrideList = overrides;
  for (const path of redacted.plaintextPaths) plan.warnings.push(MSG.plaintextSecret(path));
  plan.warnings.push(...envWarnings);
  plan.services.forEach((s, i) => (s.position = locate(doc, lines, file, ['services', i])));
  plan.seedNotes = seed.notes;
  return plan;
}

/** What an unknown threshold name is told: the metrics the service's backend declares beside the fixed ones. */
function declaredNote(service: RecipeFields['services'][number], all: readonly MetricDeclaration[], perOperation: boolean): string {
  const backend = service.backend ? `${service.service_type}/${service.backend}` : service.service_type;
  // Under `operations:` only the figures a backend keeps per operation can be judged.
  const declared = perOperation ? all.filter((d) => d.perOperation) : all;
  const where = perOperation ? ' per operation' : '';
  return declared.length
    ? ` — besides the metrics of every service (docs/reports.md), ${backend} declares${where} ${describeDeclaredThresholds(declared)}`
    : ` — ${backend} declares no metrics of its own${where} (docs/reports.md lists those of every service)`;
}

type IssueSink = (path: PathSegment[], message: string, isKey?: boolean) => void;

function checkServices(
  recipe: RecipeFields,
  registry: BackendRegistry,
  issueAt: IssueSink,
): (BackendDefinition | undefined)[] {
  // The catalogue's types stay known with a registry that lacks them (a test's, a
  // trimmed one): such a service validates by the common fields and fails when it runs.
  const knownTypes = [...new Set([...builtinRegistry.types(), ...registry.types()])];
  const seen = new Set<string>();
  return recipe.services.map((service, index) => {
    const at = (path: PathSegment[]) => ['services', index, ...path];
    if (seen.has(service.service_name)) issueAt(at(['service_name']), MSG.duplicateService(service.service_name));
    seen.add(service.service_name);

    if (!knownTypes.includes(service.service_type)) {
      issueAt(
        at(['service_type']),
        MSG.unknownValue(service.service_type, knownTypes, nearest(service.service_type, knownTypes)),
      );
      return undefined;
    }
    const definition = registry.resolve(service.service_type, service.backend);
    const declared = definition?.metrics ?? [];
    const strict = z.strictObject({ ...commonServiceShape, ...(definition?.fields ?? {}), thresholds: thresholdsSchemaFor(declared).optional() });
    const result = strict.safeParse(service, { reportInput: true });
    if (!result.success) {
      for (const i of describeIssues(result.error, strict)) {
        const note = i.isKey && i.path[0] === 'thresholds' ? declaredNote(service, declared, i.path[1] === 'operations') : '';
        issueAt(at(i.path), i.message + note, i.isKey);
      }
    }
    // The cross-field rules read the backend's keys parsed; when those do not parse, zod has said why.
    const fields = definition && tryFieldsOf(definition.fields, service);
    if (definition && fields) {
      const operations = definition.operationsFor?.(fields) ?? definition.operations;
      for (const op of Object.keys(service.operation_mix ?? {})) {
        if (!operations.includes(op)) {
          issueAt(
            at(['operation_mix', op]),
            MSG.unknownOperation(op, service.service_type, operations, nearest(op, operations)),
            true,
          );
        }
      }
      for (const p of definition.check?.(fields) ?? []) issueAt(at(p.path), p.message);
    }
    for (const p of checkLoadFields(service)) issueAt(at(p.path), p.message);
    return definition;
  });
}

export type { Document };
