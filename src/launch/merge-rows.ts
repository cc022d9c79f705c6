import type { StoredServiceRow } from '../metrics/store.js';
/** A `runs` row as stored (only the fields merging looks at are typed). */
export interface RunRow {
  benchmark_id: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  [column: string]: unknown;
}

/** A `services` row as stored, with every column merging copies through. */
export type ServiceRow = StoredServiceRow & { [column: string]: unknown };

// Worst first: one failed generator makes the merged service (or run) failed.
const RUN_ORDER = ['failed', 'partial', 'running', 'complete'];
const SERVICE_ORDER = ['failed', 'partial', 'running', 'complete', 'skipped'];

function worst(values: string[], order: string[]): string {
  for (const o of order) if (values.includes(o)) return o;
  return values[0] ?? 'partial';
}

const minOf = (xs: (number | null)[]) => (xs.some((x) => x !== null) ? Math.min(...xs.filter((x): x is number => x !== null)) : null);
const maxOf = (xs: (number | null)[]) => (xs.some((x) => x !== null) ? Math.max(...xs.filter((x): x is number => x !== null)) : null);
const firstIso = (xs: (string | null | undefined)[]) => xs.filter((x): x is string => !!x).sort()[0] ?? null;
const lastIso = (xs: (string | null | undefined)[]) => xs.filter((x): x is string => !!x).sort().at(-1) ?? null;

/** One run record for the merged run: the first shard's provenance, the span of all, the worst status. */
export function mergeRunRecords(rows: RunRow[]): RunRow {
  const first = rows[0]!;
  return {
    ...first,
    status: worst(rows.map((r) => r.status), RUN_ORDER),
    started_at: firstIso(rows.map((r) => r.started_at))!,
    ended_at: rows.some((r) => r.ended_at === null) ? null : lastIso(rows.map((r) => r.ended_at)),
  };
}

/**
 * The load as asked for across generators: rates, clients and in-flight caps add
 * (each generator ran 1/g of them).
 */
function mergeLoad(loads: (string | null)[]): string | null {
  const parsed = loads.filter((l): l is string => l !== null).map((l) => JSON.parse(l) as Record<string, unknown>);
  if (parsed.length === 0) return null;
  const sum = (k: string) => (parsed.every((p) => typeof p[k] === 'number') ? parsed.reduce((a, p) => a + (p[k] as number), 0) : parsed[0]![k]);
  const out: Record<string, unknown> = { ...parsed[0], generators: parsed.length };
  for (const k of ['rate', 'clients', 'maxInFlight', 'requests']) if (k in out) out[k] = sum(k);
  if (Array.isArray(out.stages)) {
    out.stages = (out.stages as { target: number }[]).map((st, i) => ({
      ...st,
      target: parsed.reduce((a, p) => a + ((p.stages as { target: number }[] | undefined)?.[i]?.target ?? 0), 0),
    }));
  }
  return JSON.stringify(out);
}

/** Combines each service's rows from every shard (given per shard, rebased to one origin). */
export function mergeServiceRecords(perShard: ServiceRow[][]): ServiceRow[] {
  const names: string[] = [];
  for (const rows of perShard) for (const r of rows) if (!names.includes(r.service_name)) names.push(r.service_name);
  return names.map((name) => {
    const rows = perShard.flatMap((rs) => rs.filter((r) => r.service_name === name));
    const sum = (k: 'scheduled' | 'dropped' | 'warmup_requests' | 'cancelled') => rows.reduce((a, r) => a + (r[k] ?? 0), 0);
    const errors = [...new Set(rows.map((r) => r.error).filter((e): e is string => !!e))];
    return {
      ...rows[0]!,
      status: worst(rows.map((r) => r.status), SERVICE_ORDER),
      error: errors.length > 0 ? errors.join('; ') : null,
      load: mergeLoad(rows.map((r) => r.load)),
      window_start: minOf(rows.map((r) => r.window_start)),
      window_end: maxOf(rows.map((r) => r.window_end)),
      issue_end: maxOf(rows.map((r) => r.issue_end)),
      scheduled: sum('scheduled'),
      dropped: sum('dropped'),
      warmup_requests: sum('warmup_requests'),
      cancelled: sum('cancelled'),
      started_at: firstIso(rows.map((r) => r.started_at)),
      ended_at: rows.some((r) => !r.ended_at) ? null : lastIso(rows.map((r) => r.ended_at)),
    };
  });
}
