import { z } from 'zod';

/**
 * Upper bounds on everything a recipe can make huge (docs/recipe.md, "Bounds"). Past
 * them a valid-looking recipe would exhaust memory, overflow a timer or take hours to
 * read; `aifb validate` refuses it with the field's position instead.
 */
export const BOUNDS = {
  /** A recipe file is text a person wrote: 1 MiB is hundreds of services. */
  recipeBytes: 1024 * 1024,
  services: 1000,
  clients: 100_000,
  maxInFlight: 100_000,
  /** Requests per second of one service's open loop. */
  rate: 10_000_000,
  requests: 1_000_000_000,
  /** Any duration: 7 days (Node's timers overflow past 24.8 days). */
  durationMs: 7 * 24 * 3600 * 1000,
  stages: 1000,
  sweepSteps: 1000,
  /** Files or objects made before the load (each is an entry in memory). */
  initialItems: 10_000_000,
  /** Rows made before the load (made by the database itself). */
  initialRows: 10_000_000_000,
  /** One payload held in memory (file, object, row, block). */
  payloadBytes: 1024 ** 3,
  /** A file on disk (file_storage's block file). */
  fileBytes: 1024 ** 4,
  /** Floats of a generated vector data set held in memory (num_vectors × dimension): 2 GiB. */
  vectorFloats: 512 * 1024 * 1024,
  dimension: 65_536,
  /** Tokens of one synthetic prompt or answer. */
  tokens: 262_144,
  /** Prompts, prefixes or sessions a service keeps. */
  prompts: 10_000_000,
} as const;

const fmt = (n: number) => n.toLocaleString('en-US');

/** The message of a value past its bound. */
export function boundMessage(limit: number, unit = ''): string {
  return `more than aifb accepts: at most ${fmt(limit)}${unit} (docs/recipe.md, "Bounds")`;
}

/** An integer in [min, max] whose upper bound is one of aifb's. */
export function boundedInt(min: number, max: number): z.ZodInt {
  return z.int().min(min).max(max, { error: boundMessage(max) });
}
