/**
 * pgbench and aifb side by side: the same clients, the same server, one after the other.
 *   node --import tsx bench/pgbench/run.ts [--clients 8] [--time 10] [--scale 1]
 *        [--host H --port P --user U --database D]   (password from PGPASSWORD)
 * Without --host it starts a throwaway PostgreSQL 15 like the tests do. Either way the
 * runs happen in a database the bench creates and drops, so no existing table is touched.
 */
import { cpus } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PG_BIN, postgresVersion, startPostgres, type PgServer } from '../../test/helpers/postgres-server.js';
import { aifbRun } from './aifb.js';
import { pgbenchInit, pgbenchRun, pgbenchVersion, type Conn, type Figures } from './pgbench.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '8' },
    time: { type: 'string', default: '10' },
    scale: { type: 'string', default: '1' },
    host: { type: 'string' },
    port: { type: 'string', default: '5432' },
    user: { type: 'string', default: 'postgres' },
    database: { type: 'string', default: 'postgres' },
    out: { type: 'string', default: 'bench/results/pgbench.json' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.time);
const scale = Number(values.scale);
const threads = Math.max(1, Math.min(clients, cpus().length));

async function adminQuery(c: Conn, sql: string): Promise<void> {
  const client = new pg.Client(c);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let server: PgServer | undefined;
let admin: Conn;
if (values.host) {
  admin = { host: values.host, port: Number(values.port), user: values.user!, password: process.env.PGPASSWORD ?? '', database: values.database! };
} else {
  server = await startPostgres();
  admin = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
}
const benchDb = `aifb_pgbench_${process.pid}`;
const conn: Conn = { ...admin, database: benchDb };

const rows: { workload: string; pgbench: Figures; aifb: Figures; tps_ratio: number; latency_ratio: number }[] = [];
try {
  await adminQuery(admin, `CREATE DATABASE ${benchDb}`);
  console.log(`pgbench -i -s ${scale} into ${benchDb} ...`);
  await pgbenchInit(PG_BIN, conn, scale);
  const pairs = [
    ['select-only', 'select-only'],
    ['tpcb-like', 'tpcb'],
  ] as const;
  for (const [script, preset] of pairs) {
    const p = await pgbenchRun(PG_BIN, conn, script, clients, threads, seconds);
    const a = await aifbRun(conn, preset, clients, seconds, 100_000 * scale);
    if (a.loadLine) console.log(`  aifb ${a.loadLine.replace(/^\[info\] [^:]*: /, '')}`);
    const row = { workload: script, pgbench: strip(p), aifb: strip(a), tps_ratio: a.tps / p.tps, latency_ratio: a.latencyMs / p.latencyMs };
    rows.push(row);
    console.log(
      `${script.padEnd(12)} pgbench ${p.tps.toFixed(0).padStart(7)} tps ${p.latencyMs.toFixed(3)} ms | ` +
        `aifb ${a.tps.toFixed(0).padStart(7)} tps ${a.latencyMs.toFixed(3)} ms | aifb/pgbench tps ${row.tps_ratio.toFixed(2)}, latency ${row.latency_ratio.toFixed(2)}`,
    );
  }
} finally {
  await adminQuery(admin, `DROP DATABASE IF EXISTS ${benchDb}`).catch((e: Error) => console.error(`could not drop ${benchDb}: ${e.message}`));
  await server?.destroy();
}

function strip(f: Figures): Figures {
  return { tps: f.tps, latencyMs: f.latencyMs, transactions: f.transactions };
}

const result = {
  generated_at: new Date().toISOString(),
  server: values.host ? `${values.host}:${values.port}` : `${await postgresVersion()} (started by the bench, default settings)`,
  pgbench: await pgbenchVersion(PG_BIN),
  host: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
  settings: { clients, pgbench_threads: threads, seconds, scale, protocol: 'prepared statements (pgbench -M prepared)', aifb_row_size: 84 },
  notes:
    'Both clients run on this machine with the server. aifb runs in one Node.js thread; pgbench uses -j threads. ' +
    'aifb TPS = completed operations / measured window; latency = mean from intended start (closed loop: from when the client was ready).',
  results: rows,
};
await mkdir(new URL('../results/', import.meta.url), { recursive: true });
await writeFile(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${values.out}`);
