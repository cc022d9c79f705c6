import pg from 'pg';
import type { Adapter, SetupContext } from '../../contract.js';
import type { ServiceOf } from '../../fields.js';
import type { postgresFields } from '../sql/fields.js';
import { SqlAdapter, type SqlDriver } from '../sql/adapter-base.js';
import { connectError, scrub, sqlErrorClass } from '../sql/errors.js';
import type { Query, Rows, SqlSession } from '../sql/execute.js';
import type { Statement } from '../sql/statements.js';
import { pgTargetOf, type PgTarget } from './connect.js';
import { peakConcurrency } from '../../shared/concurrency.js';
import { HeldConnections } from './held.js';
import { namedQuery, runNamed } from './query.js';
import { settlesWithin } from '../../../util/sleep.js';

const LOAD_CONNECTIONS = 4;
/** How long teardown waits for the pool to close before leaving it to the process exit. */
const CLOSE_GRACE_MS = 5000;

/** Query on a held connection, given back as soon as the answer is in (see held.ts). */
function queryOn(held: HeldConnections): Query {
  const run = (c: pg.PoolClient, st: Statement, values: unknown[]): Promise<Rows> =>
    new Promise((resolve, reject) => {
      c.query(
        namedQuery(st, values, (err, r) => {
          if (!err) {
            held.release(c);
            resolve(r);
          } else {
            held.release(c, sqlErrorClass(err) === 'connection_reset' ? err : undefined);
            reject(err);
          }
        }),
      );
    });
  return (st, values) => {
    const c = held.acquire();
    return c instanceof Promise ? c.then((x) => run(x, st, values)) : run(c, st, values);
  };
}

/** Statements on one connection the caller holds (a transaction's). */
function queryOnClient(client: pg.PoolClient): Query {
  return (st, values) => runNamed(client, st, values);
}

/**
 * Connections the server can still accept from us: max_connections, less the superuser
 * reserve and those open now (ours included). Undefined when it will not say.
 */
async function connectionsLeft(client: pg.PoolClient): Promise<number | undefined> {
  try {
    const r = await client.query<{ max: string; reserved: string; used: string }>(
      "SELECT current_setting('max_connections') AS max, current_setting('superuser_reserved_connections') AS reserved, (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS used",
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const left = Number(row.max) - Number(row.reserved) - Number(row.used) + 1;
    return Number.isFinite(left) ? left : undefined;
  } catch {
    return undefined;
  }
}

/** Generator `index`'s part of `room` connections shared by `count` generators (at least 1). */
export function shareOf(room: number, index: number, count: number): number {
  if (count <= 1) return room;
  return Math.floor(room / count) + (index < room % count ? 1 : 0);
}

/** node-postgres: a pool of warm connections, named (prepared) statements. */
class PgDriver implements SqlDriver {
  readonly loadConcurrency: number;
  readonly secret: string | undefined;
  private pool: pg.Pool | undefined;
  private held: HeldConnections | undefined;

  constructor(
    private readonly target: PgTarget,
    private readonly generators: { index: number; count: number },
  ) {
    this.secret = target.secret;
    this.loadConcurrency = Math.min(LOAD_CONNECTIONS, target.config.max ?? 1);
  }

  async open(ctx: SetupContext): Promise<SqlSession> {
    const pool = new pg.Pool(this.target.config);
    this.pool = pool;
    // An idle connection the server drops emits here; unhandled, it would end the process.
    pool.on('error', (err) => ctx.log.debug(`idle connection lost: ${scrub(err.message, this.secret)}`));
    try {
      const first = await pool.connect();
      const left = await connectionsLeft(first).finally(() => first.release());
      // Generators of one service ask at the same moment: each takes its share of the room, so together they cannot ask for more than there is.
      const room = left === undefined ? undefined : shareOf(left, this.generators.index, this.generators.count);
      // An open loop's default max_in_flight would ask for 1,000 connections; the server refuses
      // past max_connections ("too many clients"), so the pool takes what the server has room for.
      const wanted = this.target.config.max ?? 1;
      if (room !== undefined && room < wanted) {
        const max = Math.max(1, room);
        (pool.options as { max: number }).max = max;
        this.target.config.max = max;
        ctx.log.warn(`${this.target.endpoint.where} has room for ${room} more connection(s) (max_connections less those in use and reserved): the pool opens ${max}, not ${wanted}; requests beyond it wait for a connection`);
      }
      // Every connection opened now, so no request of the run pays for a handshake.
      const max = this.target.config.max ?? 1;
      const held = new HeldConnections(pool, max);
      this.held = held;
      const all = await Promise.allSettled(Array.from({ length: max }, () => pool.connect()));
      for (const c of all) if (c.status === 'fulfilled') held.adopt(c.value);
      const failure = all.find((c) => c.status === 'rejected');
      if (failure) throw failure.reason;
    } catch (err) {
      throw connectError(err, this.target.endpoint, this.secret);
    }
    ctx.log.debug(`connected to ${this.target.endpoint.where} with ${this.target.config.max} connection(s)`);
    const held = this.held!;
    return {
      query: queryOn(held),
      transaction: (fn) => this.transaction(held, fn),
      exec: (text) => this.exec(held, text),
    };
  }

  /** DDL as written (simple protocol: VACUUM may not run in the extended one's implicit transaction). */
  private async exec(held: HeldConnections, text: string): Promise<void> {
    const client = await held.acquire();
    try {
      await client.query(text);
      held.release(client);
    } catch (err) {
      held.release(client, sqlErrorClass(err) === 'connection_reset' ? (err as Error) : undefined);
      throw err;
    }
  }

  /** fn on one held connection between BEGIN and COMMIT (ROLLBACK when it throws). */
  private async transaction<T>(held: HeldConnections, fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await held.acquire();
    let broken: Error | undefined;
    // The pool listens for errors only on idle clients; a checked-out one that the server drops would crash the process.
    const onError = (e: Error) => (broken ??= e);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await fn(queryOnClient(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      // A connection that cannot even roll back is not given back to the pool.
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      if (sqlErrorClass(err) === 'connection_reset') broken ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      held.release(client, broken);
    }
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    this.held?.releaseAll();
    this.held = undefined;
    await settlesWithin(pool.end(), CLOSE_GRACE_MS);
  }
}

/** The PostgreSQL adapter for one service; `loadPhase` holds the initial load's figures after setup. */
export function createAdapter(spec: ServiceOf<typeof postgresFields>): Adapter & Pick<SqlAdapter, 'loadPhase' | 'table'> {
  const f = spec.fields;
  // Unset pool_size: one connection per request that can be in flight, so none waits for one.
  const target = pgTargetOf(f, f.pool_size ?? peakConcurrency(spec.load), spec.timeoutMs);
  return new SqlAdapter(spec, new PgDriver(target, { index: f.generator_index ?? 0, count: f.generator_count ?? 1 }));
}
