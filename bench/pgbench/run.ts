/**
 * pgbench and aifb side by side: the same clients, the same server, one after the other.
 *   node --import tsx bench/pgbench/run.ts [--clients 8] [--time 10] [--scale 1] [--rounds 3]
 *        [--host H --port P --user U --database D]   (password from PGPASSWORD) [--in-process]
 * Without --host it starts a throwaway PostgreSQL 15 like the tests do. Either way the
 * runs happen in a database the bench creates and drops, so no existing table is touched.
 * Each row runs in a Node.js process of its own unless --in-process (rows.ts says why).
 */
import { cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
// The heap as `aifb run` sets it (bench/lib.ts), for every row of this process.
import '../lib.js';
import { PG_BIN, postgresVersion, startPostgres, type PgServer } from '../../test/helpers/postgres-server.js';
import { DRIVERS, type DriverName } from './drivers.js';
import { runRow, runRowInChild, type RowSpec } from './rows.js';
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
    drivers: { type: 'string', default: 'pg,postgres,pg-native' },
    rounds: { type: 'string', default: '3' },
    scripts: { type: 'string', default: 'select-only,tpcb-like' },
    generators: { type: 'string' },
    'in-process': { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.time);
const scale = Number(values.scale);
const threads = Math.max(1, Math.min(clients, cpus().length));
const rounds = Number(values.rounds);
// aifb's way past one core, like pgbench's -j: as many generator threads as pgbench has threads.
const generators = Number(values.generators ?? threads);
const drivers = values.drivers!.split(',').filter((d) => d !== '') as DriverName[];
for (const d of drivers) if (!DRIVERS.includes(d)) throw new Error(`--drivers: unknown driver ${d}; use ${DRIVERS.join(', ')}`);
// pg-native is an optional dependency (it builds against libpq-dev): without it, its rows are left out, and said so.
if (drivers.includes('pg-native') && !pg.native) {
  console.log('pg-native is not installed (needs libpq-dev, then npm install): its rows are left out');
  drivers.splice(drivers.indexOf('pg-native'), 1);
}

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
const { password: _password, ...open } = conn;
/** One row's figures, in a fresh process unless --in-process. */
const row = (spec: RowSpec) => (values['in-process'] ? runRow(spec, conn.password) : runRowInChild(spec, conn.password));

type Row = { round: number; workload: string; client: string; figures: Figures; load: number; tps_ratio: number; latency_ratio: number };
const rows: Row[] = [];
const line = (r: Row) =>
  console.log(`${r.workload.padEnd(12)} ${r.client.padEnd(26)} ${r.figures.tps.toFixed(0).padStart(7)} tps ${r.figures.latencyMs.toFixed(3)} ms  ` + `x pgbench: tps ${r.tps_ratio.toFixed(2)}, latency ${r.latency_ratio.toFixed(2)}  (load ${r.load.toFixed(1)})`);
try {
  await adminQuery(admin, `CREATE DATABASE ${benchDb}`);
  console.log(`pgbench -i -s ${scale} into ${benchDb} ...`);
  await pgbenchInit(PG_BIN, conn, scale);
  const pairs = ([
    ['select-only', 'select-only'],
    ['tpcb-like', 'tpcb'],
  ] as const).filter(([script]) => values.scripts!.split(',').includes(script));
  // Rounds alternate the clients, so a change of the machine's load falls on all of them alike.
  for (let round = 0; round < rounds; round++) {
    for (const [script, preset] of pairs) {
      let load = loadavg()[0]!;
      const p = await pgbenchRun(PG_BIN, conn, script, clients, threads, seconds);
      const add = (client: string, f: Figures, load: number) => {
        const row = { round, workload: script, client, figures: strip(f), load, tps_ratio: f.tps / p.tps, latency_ratio: f.latencyMs / p.latencyMs };
        rows.push(row);
        line(row);
      };
      add(`pgbench -j ${threads}`, p, load);
      // The other drivers first, then the three rows aifb is judged by (pg alone, the adapter
      // alone, aifb) back to back: on this shared machine a row's tps drifts by more than 10 %
      // within a minute, so the rows of a ratio are kept as close in time as they can be.
      // pg-native's addon cannot load in a worker thread, so it runs on one thread only.
      const runs: [DriverName, number][] = drivers.flatMap((d): [DriverName, number][] => (d === 'pg-native' || threads === 1 ? [[d, 1]] : [[d, 1], [d, threads]]));
      const last = runs.findIndex(([d, t]) => d === 'pg' && t === 1);
      if (last >= 0) runs.push(...runs.splice(last, 1));
      for (const [d, t] of runs) {
        load = loadavg()[0]!;
        add(`${d} alone, ${t} thread${t > 1 ? 's' : ''}`, await row({ kind: 'driver', conn: open, driver: d, script, clients, threads: t, seconds, scale }), load);
      }
      const rowsOf = { conn: open, preset, clients, seconds, rows: 100_000 * scale };
      load = loadavg()[0]!;
      add('aifb adapter alone', await row({ kind: 'adapter', ...rowsOf }), load);
      load = loadavg()[0]!;
      const a = await row({ kind: 'aifb', ...rowsOf });
      if (a.loadLine) console.log(`  aifb ${a.loadLine.replace(/^\[info\] [^:]*: /, '')}`);
      add('aifb', a, load);
      // Each generator owns a table, so tpcb's one hot branch row would become one per generator: not the same job.
      if (generators > 1 && script === 'select-only') {
        load = loadavg()[0]!;
        add(`aifb, generators: ${generators}`, await row({ kind: 'aifb', ...rowsOf, generators }), load);
      }
    }
  }
} finally {
  await adminQuery(admin, `DROP DATABASE IF EXISTS ${benchDb}`).catch((e: Error) => console.error(`could not drop ${benchDb}: ${e.message}`));
  await server?.destroy();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
// Ratios are taken within a round (same minutes, same load), then the median over rounds.
const summary: { workload: string; client: string; x_pgbench: number; x_pg_alone: number }[] = [];
for (const workload of [...new Set(rows.map((r) => r.workload))]) {
  const clientsSeen = [...new Set(rows.filter((r) => r.workload === workload).map((r) => r.client))];
  for (const client of clientsSeen) {
    const mine = rows.filter((r) => r.workload === workload && r.client === client);
    const vsDriver = mine.map((r) => r.figures.tps / (rows.find((x) => x.round === r.round && x.workload === workload && x.client === 'pg alone, 1 thread')?.figures.tps ?? NaN));
    summary.push({ workload, client, x_pgbench: median(mine.map((r) => r.tps_ratio)), x_pg_alone: median(vsDriver) });
  }
}
console.log('\nmedian over rounds of the ratio within each round:');
for (const m of summary) console.log(`${m.workload.padEnd(12)} ${m.client.padEnd(26)} x pgbench ${m.x_pgbench.toFixed(2)}  x pg alone (1 thread) ${Number.isFinite(m.x_pg_alone) ? m.x_pg_alone.toFixed(2) : '-'}`);

function strip(f: Figures): Figures {
  return { tps: f.tps, latencyMs: f.latencyMs, transactions: f.transactions };
}

const result = {
  generated_at: new Date().toISOString(),
  server: values.host ? `${values.host}:${values.port}` : `${await postgresVersion()} (started by the bench, default settings)`,
  pgbench: await pgbenchVersion(PG_BIN),
  host: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version },
  settings: { clients, pgbench_threads: threads, seconds, scale, rounds, drivers, process_per_row: !values['in-process'], protocol: 'prepared statements (pgbench -M prepared)', aifb_row_size: 84 },
  notes:
    'Both clients run on this machine with the server. aifb runs in one Node.js thread; pgbench uses -j threads. ' +
    'aifb TPS = completed operations / measured window; latency = mean from intended start (closed loop: from when the client was ready).',
  results: rows,
  summary,
};
await mkdir(new URL('../results/', import.meta.url), { recursive: true });
await writeFile(values.out!, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${values.out}`);
