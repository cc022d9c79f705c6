import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs, parseSizeBytes } from '../util/units.js';
import { MSG } from '../messages.js';
import { BOUNDS, boundMessage } from './bounds.js';

/** Seconds as a number (the seed's habit) or a string with a unit: `500ms`, `5s`, `2m`, `01:00:00`. */
export const durationField = z
  .union([z.number().positive(), z.string().regex(DURATION_PATTERN).or(z.string().regex(/^\d+:\d{2}:\d{2}$/))], { error: MSG.expectedDuration })
  .check((ctx) => durationBounds(ctx, false));

/** Like durationField, but zero is allowed (think time, warm-up). */
export const durationOrZeroField = z
  .union([z.number().min(0), z.string().regex(DURATION_PATTERN)], { error: MSG.expectedDuration })
  .check((ctx) => durationBounds(ctx, true));

/** `"0s"` is as empty as `0`, and `1e308` is not a duration a run can have. */
function durationBounds(ctx: { value: number | string; issues: unknown[] }, zeroOk: boolean): void {
  const ms = parseDurationMs(ctx.value);
  if (ms === undefined) return;
  const push = (message: string) => (ctx.issues as object[]).push({ code: 'custom', input: ctx.value, message });
  if (!Number.isFinite(ms) || ms > BOUNDS.durationMs) push(`duration ${boundMessage(BOUNDS.durationMs / 3_600_000, ' hours')}`);
  else if (!zeroOk && ms <= 0) push(MSG.zeroDuration);
}

const MIX_TOLERANCE = 1e-6;

/**
 * Weights of a mix must sum to 1; we reject rather than normalise silently, because
 * a mix that sums to 0.9 is more often a typo than an intent.
 */
export const mixField = z
  .record(z.string(), z.number({ error: MSG.expectedWeight }).min(0, { error: MSG.expectedWeight }))
  .check((ctx) => {
    const weights = Object.values(ctx.value);
    if (weights.length === 0) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: MSG.emptyMix });
      return;
    }
    const sum = weights.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > MIX_TOLERANCE) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: MSG.mixSum(sum) });
    }
  });

/** A size mix such as `{1KB: 0.5, 1MB: 0.5}`; every key must be a size. */
export const sizeMixField = mixField.check((ctx) => {
  for (const key of Object.keys(ctx.value)) {
    const bytes = parseSizeBytes(key);
    if (bytes === undefined) {
      ctx.issues.push({ code: 'custom', input: key, path: [key], message: MSG.badSizeKey(key) });
    } else if (!(bytes <= BOUNDS.payloadBytes)) {
      ctx.issues.push({ code: 'custom', input: key, path: [key], message: `size ${key}: ${boundMessage(1, ' GiB')}` });
    }
  }
});

/** A size up to `max` bytes (default: a file on disk, 1 TiB). */
export function sizeFieldUpTo(max: number) {
  return z
    .union([z.number().int().min(0), z.string().regex(/^\s*\d+(\.\d+)?\s*([kmg]i?b?|b)?\s*$/i)], { error: MSG.expectedSize })
    .check((ctx) => {
      const bytes = parseSizeBytes(ctx.value);
      if (bytes !== undefined && !(bytes <= max)) ctx.issues.push({ code: 'custom', input: ctx.value, message: `size ${boundMessage(max, ' bytes')}` });
    });
}

export const sizeField = sizeFieldUpTo(BOUNDS.fileBytes);

/** A size held in memory as one payload (1 GiB at most). */
export const payloadSizeField = sizeFieldUpTo(BOUNDS.payloadBytes);

/**
 * Text that YAML or an `${ENV}` reference may have typed as a number (`password: 12345`,
 * `access_key: ${KEY}` holding digits): accepted and kept as text.
 */
export const textField = z.union([z.string(), z.number().transform((n) => String(n))]);

/** The words PyYAML (YAML 1.1, the seed's parser) reads as booleans; src/recipe/seed.ts turns them into booleans. */
export const YAML11_BOOLEAN_WORDS = ['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF'] as const;

/** A boolean as the seed's recipes wrote one: true/false, a YAML 1.1 word (yes, off …), 0 or 1. */
export const seedBooleanField = z.union([z.boolean(), z.enum(YAML11_BOOLEAN_WORDS), z.literal(0), z.literal(1)], {
  error: 'expected a boolean (true/false; yes/no and on/off as the seed\'s YAML read them)',
});

/** A count the seed passed on as text (`nodes: "2"`): an integer or its digits. */
export const countField = (min: number) => z.union([z.int().min(min), z.string().regex(/^\s*\d+\s*$/)]);
