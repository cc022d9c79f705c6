/**
 * The PostgreSQL drivers alone: no engine, no store, no report. `clients` closed loops,
 * one connection each, running pgbench's builtin scripts on pgbench's own tables with
 * prepared statements, so the figure is what the driver can do on this machine and the
 * gap between it and aifb is aifb's own. Optionally spread over worker threads, like
 * pgbench's -j, to see what a second core buys.
 */
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import postgres from 'postgres';
import { workerScript } from '../../src/util/worker-script.js';
import type { Conn, Figures } from './pgbench.js';

export const DRIVERS = ['pg', 'pg-pool', 'pg-native', 'postgres'] as const;
export type DriverName = (typeof DRIVERS)[number];
export type Script = 'select-only' | 'tpcb-like';

/** One statement as pgbench -M prepared sends it. */
type Exec = (name: string, text: string, values: unknown[]) => Promise<unknown>;

interface Session {
  exec: Exec;
  tx(fn: (exec: Exec) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const SQL = {
  select: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
  uAcc: 'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
  sAcc: 'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
  uTel: 'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2',
  uBra: 'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2',
  hist: 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
};

/** One connection of the named driver; `pg-pool` is node-postgres's Pool, shared by the loops of a thread. */
async function connect(driver: DriverName, c: Conn, pool?: pg.Pool, shared?: postgres.Sql): Promise<Session> {
  if (driver === 'pg-pool') {
    const exec: Exec = (name, text, values) => pool!.query({ name, text, values, rowMode: 'array' });
    return {
      exec,
      tx: async (fn) => {
        const client = await pool!.connect();
        try {
          await client.query('BEGIN');
          await fn((name, text, values) => client.query({ name, text, values, rowMode: 'array' }));
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      },
      close: async () => {},
    };
  }
  if (driver === 'postgres') {
    // Its own pool of `clients` connections, shared by the loops: the way it is meant to be used.
    const sql = shared!;
    const on = (s: postgres.Sql | postgres.TransactionSql): Exec => (_n, text, values) => s.unsafe(text, values as postgres.ParameterOrJSON<never>[], { prepare: true }).values();
    return { exec: on(sql), tx: async (fn) => void (await sql.begin((t) => fn(on(t)))), close: async () => {} };
  }
  const Client = driver === 'pg-native' ? pg.native!.Client : pg.Client;
  const client = new Client(c);
  await client.connect();
  const exec: Exec = (name, text, values) => client.query({ name, text, values, rowMode: 'array' });
  return {
    exec,
    tx: async (fn) => {
      await client.query('BEGIN');
      await fn(exec);
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}

const rand = (n: number) => 1 + Math.floor(Math.random() * n);

/** pgbench's builtin script, statement for statement. */
function step(s: Session, script: Script, scale: number): Promise<unknown> {
  const aid = rand(100_000 * scale);
  if (script === 'select-only') return s.exec('sel', SQL.select, [aid]);
  const bid = rand(scale);
  const tid = rand(10 * scale);
  const delta = Math.floor(Math.random() * 10_001) - 5000;
  return s.tx(async (x) => {
    await x('uacc', SQL.uAcc, [delta, aid]);
    await x('sacc', SQL.sAcc, [aid]);
    await x('utel', SQL.uTel, [delta, tid]);
    await x('ubra', SQL.uBra, [delta, bid]);
    await x('hist', SQL.hist, [tid, bid, aid, delta]);
  });
}

/** `clients` closed loops on this thread for `seconds`; transactions and the sum of their latencies. */
export async function loops(driver: DriverName, c: Conn, script: Script, clients: number, seconds: number, scale: number): Promise<{ n: number; latencySum: number; window: number }> {
  const pool = driver === 'pg-pool' ? new pg.Pool({ ...c, max: clients, idleTimeoutMillis: 0 }) : undefined;
  if (pool) await Promise.all(Array.from({ length: clients }, () => pool.connect())).then((cs) => cs.forEach((x) => x.release()));
  const shared = driver === 'postgres' ? postgres({ host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, max: clients, idle_timeout: 0, prepare: true, onnotice: () => {} }) : undefined;
  // Every connection opened before the window, as pgbench does.
  if (shared) await Promise.all(Array.from({ length: clients }, () => shared.begin((t) => t`SELECT pg_sleep(0.01)`)));
  const sessions = await Promise.all(Array.from({ length: clients }, () => connect(driver, c, pool, shared)));
  let n = 0;
  let latencySum = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    sessions.map(async (s) => {
      for (let t = performance.now(); t < end; ) {
        await step(s, script, scale);
        const now = performance.now();
        n++;
        latencySum += now - t;
        t = now;
      }
    }),
  );
  const window = (performance.now() - start) / 1000;
  await Promise.all(sessions.map((s) => s.close()));
  await pool?.end();
  await shared?.end({ timeout: 5 });
  return { n, latencySum, window };
}

/** The driver alone: `clients` spread over `threads` worker threads (1: this thread). */
export async function driverRun(driver: DriverName, c: Conn, script: Script, clients: number, threads: number, seconds: number, scale: number): Promise<Figures> {
  let parts: { n: number; latencySum: number; window: number }[];
  if (threads <= 1) parts = [await loops(driver, c, script, clients, seconds, scale)];
  else {
    const how = workerScript(import.meta.url, 'driver-worker');
    parts = await Promise.all(
      Array.from({ length: threads }, (_, i) => {
        const share = Math.floor(clients / threads) + (i < clients % threads ? 1 : 0);
        return new Promise<{ n: number; latencySum: number; window: number }>((resolve, reject) => {
          const w = new Worker(how.script, { eval: how.eval, workerData: { driver, c, script, clients: share, seconds, scale } });
          w.once('message', resolve);
          w.once('error', reject);
        });
      }),
    );
  }
  const n = parts.reduce((a, p) => a + p.n, 0);
  const window = Math.max(...parts.map((p) => p.window));
  return { tps: n / window, latencyMs: parts.reduce((a, p) => a + p.latencySum, 0) / n, transactions: n };
}
