import { peakConcurrency } from '../../shared/concurrency.js';
import type { LoadProfile } from '../../../recipe/types.js';
import type { FieldsOf } from '../../fields.js';
import type { sqlFields } from './fields.js';
import { parseParam, type ParamSpec } from './params.js';
import { DEFAULTS, PRESETS } from './presets.js';

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

/** The SQL options of a service, from its parsed, defaulted fields (services/fields.ts). */
export function sqlOptionsOf(f: FieldsOf<typeof sqlFields>): SqlOptions {
  const queries = Object.entries(f.queries).map(([name, q]): UserQuery => {
    const params = (q.params ?? []).map((p) => {
      const parsed = parseParam(p);
      if (typeof parsed === 'string') throw new Error(`query ${name}: ${parsed}`);
      return parsed;
    });
    return { name, sql: q.sql, params };
  });
  return {
    initialRows: f.initial_rows,
    rowSize: f.row_size,
    distribution: f.key_distribution ?? (f.preset ? PRESETS[f.preset].distribution : undefined) ?? 'uniform',
    zipfTheta: f.zipf_theta,
    transactions: f.transactions,
    batchSize: f.batch_size ?? DEFAULTS.batchSize,
    tableName: f.table_name || undefined,
    queries,
  };
}

/** `pool_size` when the recipe sets it, else one connection per request that can be in flight. */
export function connectionsFor(load: LoadProfile, poolSize: number | undefined): number {
  return poolSize ?? peakConcurrency(load);
}
