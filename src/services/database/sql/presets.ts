/**
 * Named workloads. YCSB's core workloads A, B, C and F (read = `select`, the record is
 * one row) and pgbench's builtin scripts, so figures can be set beside those tools'.
 */
export const PRESETS = {
  'ycsb-a': { mix: { select: 0.5, update: 0.5 }, distribution: 'zipfian' },
  'ycsb-b': { mix: { select: 0.95, update: 0.05 }, distribution: 'zipfian' },
  'ycsb-c': { mix: { select: 1 }, distribution: 'zipfian' },
  'ycsb-f': { mix: { select: 0.5, read_modify_write: 0.5 }, distribution: 'zipfian' },
  tpcb: { mix: { tpcb: 1 }, distribution: 'uniform' },
  'select-only': { mix: { select: 1 }, distribution: 'uniform' },
} as const satisfies Record<string, { mix: Record<string, number>; distribution: 'uniform' | 'zipfian' }>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Built-in operations; user queries add their own names beside these. */
export const SQL_OPERATIONS = ['select', 'insert', 'update', 'delete', 'batch_insert', 'read_modify_write', 'tpcb'] as const;

/** The seed's four operations, inserts outnumbering deletes so the table does not drain. */
export const DEFAULT_SQL_MIX: Record<string, number> = { select: 0.5, insert: 0.2, update: 0.2, delete: 0.1 };

/** Operations that need rows to be there before the run starts. */
export const NEEDS_ROWS = new Set(['select', 'update', 'delete', 'read_modify_write', 'tpcb']);

export const DEFAULTS = {
  initialRows: 10_000,
  rowSize: 100,
  zipfTheta: 0.99,
  batchSize: 100,
} as const;

/**
 * pgbench's proportions (per scale unit: 1 branch, 10 tellers, 100,000 accounts),
 * mapped onto the benchmark's single table: the first rows are the branches, then
 * the tellers, then the accounts. Keeping the ranges apart keeps pgbench's lock order
 * (account, teller, branch), so concurrent transactions cannot deadlock.
 */
export function tpcbLayout(initialRows: number): { branches: number; tellers: number; firstAccount: number } {
  const branches = Math.max(1, Math.floor(initialRows / 100_000));
  const tellers = 10 * branches;
  return { branches, tellers, firstAccount: branches + tellers };
}
