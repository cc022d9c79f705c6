/**
 * aifb's PostgreSQL adapter without the engine and the store: the adapter's own
 * prepare/execute/release in `clients` closed loops, on aifb's table as its presets load
 * it. The gap between this and the driver alone is the adapter's (pool, statements,
 * result checks); the gap between this and aifb is the engine's and the store's.
 */
import { loadRecipeText } from '../../src/recipe/load.js';
import { builtinRegistry } from '../../src/services/catalog.js';
import { createAdapter } from '../../src/services/database/postgres/adapter.js';
import { postgresFields } from '../../src/services/database/sql/fields.js';
import { serviceOf } from '../../src/services/fields.js';
import { createLogger } from '../../src/util/log.js';
import { createRng } from '../../src/util/rng.js';
import type { Conn, Figures } from './pgbench.js';
import { pgbenchRecipe } from './aifb.js';

export async function adapterAlone(c: Conn, preset: 'select-only' | 'tpcb', clients: number, seconds: number, rows: number): Promise<Figures> {
  const text = pgbenchRecipe('adapter-alone', 'adapter', c, preset, clients, seconds, rows);
  const plan = loadRecipeText(text, 'adapter-alone.yaml', { registry: builtinRegistry, env: { BENCH_PGPASSWORD: c.password } });
  const adapter = createAdapter(serviceOf(postgresFields, plan.services[0]!));
  const log = createLogger('warn', () => {});
  const stop = new AbortController();
  await adapter.setup({ benchmarkId: `alone_${process.pid}_${Date.now()}`, rng: createRng(1), log, signal: stop.signal });
  const operation = preset === 'tpcb' ? 'tpcb' : 'select';
  const rng = createRng(2);
  let n = 0;
  let latencySum = 0;
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  // The window ends with the last operation, not after teardown's DROP TABLE.
  let stopped = end;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let t = performance.now(); t < end; ) {
          const op = adapter.prepare(operation, rng);
          const r = await adapter.execute(op, stop.signal);
          adapter.release?.(op, r);
          const now = performance.now();
          if (r.ok) n++;
          else failed++;
          latencySum += now - t;
          t = now;
        }
      }),
    );
    stopped = performance.now();
  } finally {
    await adapter.teardown({ benchmarkId: 'adapter-alone', log, failed: false });
  }
  if (failed > 0) throw new Error(`adapter alone: ${failed} failed operations`);
  return { tps: n / ((stopped - start) / 1000), latencyMs: latencySum / n, transactions: n };
}
