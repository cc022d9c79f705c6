import type Database from 'better-sqlite3';
import { deserialize, serialize } from 'node:v8';
import { Distribution, type DistributionState } from '../distribution.js';
import { ROW_COLUMNS } from '../rows.js';
import type { StoredServiceRow } from '../rows.js';
import { RunAccumulator, ServiceAccumulator } from './accumulate.js';
import { LlmAggregate, SliceAggregate } from './aggregate.js';
import { ExtrasAggregate } from './extras.js';
import { RateTally } from './declared-tally.js';
import { DeclaredCell } from './declared-series.js';
import { LogHistogram } from './loghist.js';
import { ServiceSeries } from './service-series.js';
import { SessionAggregate, ShareCount, SourcesCount, TurnAggregate } from './tallies.js';
import { Bucket, SeriesAccumulator } from './timeseries.js';

/**
 * A run's report aggregates, saved in the metrics database as the run goes on (by the
 * writer thread, every few seconds) and at its end, so that `aifb report` and `aifb
 * compare` need not read millions of rows again (about 3.5 µs a row). A state covers the
 * run's rows up to `last_row_id`; the rows stored after it (a killed run's last seconds)
 * are read and added. When the rows do not add up (a merged database, rows deleted), the
 * state is not used and every row is read as before.
 *
 * The aggregates are walked generically: an instance of a class named below becomes
 * `{ $: name, f: fields }`, Maps, Sets and arrays are walked, plain data is kept, so a
 * field added to an aggregate is saved without more code. Bump FORMAT when a field's
 * meaning changes: older states are then ignored, not misread.
 */
// 5: trends in ms count successful requests only (declaration.ts countsOutcome).
// 6: time buckets keep declared metrics (declared-series.ts).
// 7: LLM token sources, co-arrived gaps and sessions are declared tallies (tallies.ts).
const FORMAT = 7;

/** Classes whose instances are restored with their prototype (fields are set directly; no constructor runs). */
const CLASSES: Record<string, { prototype: object }> = {
  ServiceAccumulator, SliceAggregate, LlmAggregate, ExtrasAggregate, RateTally,
  LogHistogram, ServiceSeries, SeriesAccumulator, Bucket, DeclaredCell, SessionAggregate, TurnAggregate, SourcesCount, ShareCount,
};

interface Tagged {
  $: string;
  f: Record<string, unknown>;
}

function pack(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Distribution) return { $: 'Distribution', f: v.toState() };
  if (Array.isArray(v)) return v.map(pack);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, pack(x)]));
  if (v instanceof Set) return new Set(v);
  const proto = Object.getPrototypeOf(v) as object | null;
  const fields = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pack(x)]));
  if (proto === Object.prototype || proto === null) return fields;
  const name = (proto as { constructor: { name: string } }).constructor.name;
  if (CLASSES[name]?.prototype !== proto) throw new Error(`saved report state: ${name} is not a known aggregate`);
  return { $: name, f: fields } satisfies Tagged;
}

function unpack(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(unpack);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, unpack(x)]));
  if (v instanceof Set) return v;
  const t = v as Partial<Tagged>;
  if (typeof t.$ === 'string' && t.f) {
    if (t.$ === 'Distribution') return Distribution.fromState(t.f as unknown as DistributionState);
    const cls = CLASSES[t.$];
    if (!cls) throw new Error(`saved report state: unknown aggregate ${t.$}`);
    return Object.assign(Object.create(cls.prototype) as object, unpack(t.f) as object);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unpack(x)]));
}

/**
 * Saves `acc` as the run's report state (replacing an older one): it holds the run's rows
 * with ids up to `lastRowId` (default: every row stored so far). Returns false, and
 * changes nothing, when it cannot be written (a full disk): the state only saves time.
 */
export function saveRunState(db: Database.Database, benchmarkId: string, acc: RunAccumulator, lastRowId?: number): boolean {
  try {
    const upTo = lastRowId ?? ((db.prepare('SELECT MAX(id) AS m FROM metrics').get() as { m: number | null }).m ?? 0);
    const blob = serialize({ rows: acc.rows, services: pack(acc.services) });
    db.prepare('INSERT OR REPLACE INTO report_states (benchmark_id, format, row_count, last_row_id, state) VALUES (?, ?, ?, ?, ?)').run(benchmarkId, FORMAT, acc.rows, upTo, blob);
    return true;
  } catch {
    return false;
  }
}

/** A saved state as loaded: the aggregates, and how many rows stored after it were added. */
export interface LoadedState {
  acc: RunAccumulator;
  tailRows: number;
}

/**
 * The run's saved state with the rows stored after it added, when together they are
 * exactly the `storedRows` rows the database holds and the state has this version's
 * format; otherwise undefined (and every row is to be read).
 */
export function loadRunState(
  db: Database.Database,
  benchmarkId: string,
  storedRows: number,
  serviceRow: (name: string) => StoredServiceRow | undefined,
): LoadedState | undefined {
  let row: { format: number; row_count: number; last_row_id: number; state: Buffer } | undefined;
  try {
    row = db.prepare('SELECT format, row_count, last_row_id, state FROM report_states WHERE benchmark_id = ?').get(benchmarkId) as typeof row;
  } catch {
    return undefined; // a database from before saved states
  }
  if (!row || row.format !== FORMAT || row.row_count > storedRows) return undefined;
  try {
    const saved = deserialize(row.state) as { rows: number; services: Map<string, unknown> };
    const acc = new RunAccumulator(serviceRow);
    for (const [name, s] of unpack(saved.services) as Map<string, ServiceAccumulator>) acc.services.set(name, s);
    acc.rows = saved.rows;
    if (acc.rows !== row.row_count) return undefined;
    if (acc.rows < storedRows) {
      const tail = db.prepare(`SELECT ${ROW_COLUMNS.join(', ')} FROM metrics WHERE id > ? AND benchmark_id = ?`).raw().iterate(row.last_row_id, benchmarkId) as IterableIterator<unknown[]>;
      for (const r of tail) acc.addAt(r, 0);
    }
    return acc.rows === storedRows ? { acc, tailRows: storedRows - row.row_count } : undefined;
  } catch {
    return undefined;
  }
}
