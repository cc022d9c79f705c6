import { z } from 'zod';
import { payloadSizeField } from '../../../recipe/fields.js';
import { BOUNDS, boundedInt } from '../../../recipe/bounds.js';
import { parseSizeBytes } from '../../../util/units.js';
import { DEFAULTS, DEFAULT_SQL_MIX, NEEDS_ROWS, PRESETS, PRESET_NAMES, SQL_OPERATIONS, tpcbLayout, type PresetName } from './presets.js';
import type { FieldsOf } from '../../fields.js';
import { parseParam, placeholderCount } from './params.js';
import { SQL_MSG } from './messages.js';

type Problem = { path: (string | number)[]; message: string };

const QUERY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

const userQuery = z.strictObject({
  sql: z.string().min(1),
  params: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

/** Recipe keys both SQL backends accept (docs in examples/postgres.yaml). */
export const sqlFields = {
  initial_rows: boundedInt(0, BOUNDS.initialRows).default(DEFAULTS.initialRows),
  /** Payload bytes per row, as a number once parsed. */
  row_size: payloadSizeField.transform((v) => parseSizeBytes(v)!).default(DEFAULTS.rowSize),
  /** Unset: the preset's, else uniform (SqlWorkload); a zod default could not see the preset. */
  key_distribution: z.enum(['uniform', 'zipfian']).optional(),
  zipf_theta: z.number().gt(0).lt(1).default(DEFAULTS.zipfTheta),
  transactions: z.boolean().default(false),
  preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]).optional(),
  queries: z.record(z.string(), userQuery).default({}),
  /** Rows per batch_insert; the common key, with the SQL default. */
  batch_size: boundedInt(1, BOUNDS.maxInFlight).default(DEFAULTS.batchSize),
} satisfies z.ZodRawShape;

/** How the postgres client uses TLS: off, on without checking the certificate, or on and verified. */
export const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/** Each backend's keys beside the shared ones, here so its adapter can type them without importing its definition (which loads it). */
export const postgresFields = { ...sqlFields, pool_size: z.int().min(1).optional(), sslmode: z.enum(SSL_MODES).optional() } satisfies z.ZodRawShape;
export const pgliteFields = { ...sqlFields, data_dir: z.string().min(1).optional() } satisfies z.ZodRawShape;

type Fields = FieldsOf<typeof sqlFields>;

/** Built-in operations plus the service's own query names. */
export function sqlOperationsFor(service: Fields): readonly string[] {
  return [...SQL_OPERATIONS, ...Object.keys(service.queries)];
}

/** The preset's mix; else the user queries evenly; else the seed's four operations. */
export function sqlDefaultMixFor(service: Fields): Record<string, number> {
  if (service.preset) return { ...PRESETS[service.preset].mix };
  const names = Object.keys(service.queries);
  if (names.length > 0) return Object.fromEntries(names.map((n) => [n, 1 / names.length]));
  return { ...DEFAULT_SQL_MIX };
}

function checkQueries(service: Fields, out: Problem[]): void {
  for (const [name, q] of Object.entries(service.queries)) {
    const at = ['queries', name];
    if (!QUERY_NAME.test(name)) out.push({ path: at, message: SQL_MSG.badQueryName });
    if ((SQL_OPERATIONS as readonly string[]).includes(name)) out.push({ path: at, message: SQL_MSG.reservedQueryName(name) });
    const params = q.params ?? [];
    params.forEach((p, i) => {
      const parsed = parseParam(p);
      if (typeof parsed === 'string') out.push({ path: [...at, 'params', i], message: parsed });
    });
    const wanted = placeholderCount(q.sql);
    if (wanted !== params.length) out.push({ path: [...at, 'params'], message: SQL_MSG.paramCount(name, wanted, params.length) });
  }
}

/** Rules across fields: query definitions, and enough rows for the operations in the mix. */
export function checkSql(service: Fields): Problem[] {
  const out: Problem[] = [];
  checkQueries(service, out);
  const mix = service.operation_mix ?? sqlDefaultMixFor(service);
  const used = Object.entries(mix).filter(([, w]) => w > 0).map(([op]) => op);
  const rows = service.initial_rows;
  const needing = used.filter((op) => NEEDS_ROWS.has(op));
  if (rows === 0 && needing.length > 0) out.push({ path: ['initial_rows'], message: SQL_MSG.needsRows(needing) });
  if (used.includes('tpcb') && rows > 0 && rows <= tpcbLayout(rows).firstAccount) {
    out.push({ path: ['initial_rows'], message: SQL_MSG.tpcbRows(tpcbLayout(rows).firstAccount + 1) });
  }
  if (service.row_size > 64 * 1024 * 1024) out.push({ path: ['row_size'], message: SQL_MSG.rowTooBig });
  // Parsed, an unset zipf_theta is its default: only another value was asked for.
  if (service.zipf_theta !== DEFAULTS.zipfTheta && service.key_distribution === 'uniform') {
    out.push({ path: ['zipf_theta'], message: SQL_MSG.thetaWithUniform });
  }
  return out;
}

/** What both SQL backends' definitions share: operations, mixes and checks (fields differ). */
export const sqlDefinitionCommon = {
  operations: SQL_OPERATIONS,
  defaultMix: DEFAULT_SQL_MIX,
  operationsFor: sqlOperationsFor,
  defaultMixFor: sqlDefaultMixFor,
  check: checkSql,
};
