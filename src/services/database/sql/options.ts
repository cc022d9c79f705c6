import { peakConcurrency } from '../../shared/concurrency.js';
import type { LoadProfile } from '../../../recipe/types.js';
import { parseSizeBytes } from '../../../util/units.js';
import { parseParam, type ParamSpec } from './params.js';
import { DEFAULTS, PRESETS, type PresetName } from './presets.js';

export interface UserQuery {
  name: string;
  sql: string;
  params: ParamSpec[];
}

export interface SqlOptions {
  initialRows: number;
  rowSize: number;
  distribution: 'uniform' | 'zipfian';
  zipfTheta: number;
  transactions: boolean;
  batchSize: number;
  tableName: string | undefined;
  queries: UserQuery[];
}

/**
 * Reads the SQL options from a service's recipe fields, with their defaults. The recipe
 * was validated before, so a bad value here is a programming error and throws.
 */
export function sqlOptionsOf(fields: Readonly<Record<string, unknown>>): SqlOptions {
  const preset = typeof fields.preset === 'string' ? PRESETS[fields.preset as PresetName] : undefined;
  const rowSize = fields.row_size === undefined ? DEFAULTS.rowSize : parseSizeBytes(fields.row_size as number | string);
  if (rowSize === undefined) throw new Error(`invalid row_size ${String(fields.row_size)}`);
  const queries: UserQuery[] = [];
  const raw = (fields.queries ?? {}) as Record<string, { sql: string; params?: unknown[] }>;
  for (const [name, q] of Object.entries(raw)) {
    const params = (q.params ?? []).map((p) => {
      const parsed = parseParam(p);
      if (typeof parsed === 'string') throw new Error(`query ${name}: ${parsed}`);
      return parsed;
    });
    queries.push({ name, sql: q.sql, params });
  }
  return {
    initialRows: typeof fields.initial_rows === 'number' ? fields.initial_rows : DEFAULTS.initialRows,
    rowSize,
    distribution: (fields.key_distribution as 'uniform' | 'zipfian' | undefined) ?? preset?.distribution ?? 'uniform',
    zipfTheta: typeof fields.zipf_theta === 'number' ? fields.zipf_theta : DEFAULTS.zipfTheta,
    transactions: fields.transactions === true,
    batchSize: typeof fields.batch_size === 'number' ? fields.batch_size : DEFAULTS.batchSize,
    tableName: typeof fields.table_name === 'string' && fields.table_name !== '' ? fields.table_name : undefined,
    queries,
  };
}

/** `pool_size` when the recipe sets it, else one connection per request that can be in flight. */
export function connectionsFor(load: LoadProfile, poolSize: unknown): number {
  if (typeof poolSize === 'number' && poolSize >= 1) return poolSize;
  return peakConcurrency(load);
}
