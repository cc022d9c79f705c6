/**
 * One row of the pgbench bench in a process of its own (rows.ts runRowInChild):
 *   node --import tsx bench/pgbench/row-process.ts '<spec JSON>'   (password from BENCH_ROW_PGPASSWORD)
 * prints the row's figures as one JSON line on stdout.
 */
// The heap as `aifb run` sets it (bench/lib.ts).
import '../lib.js';
import { runRow, type RowSpec } from './rows.js';

const figures = await runRow(JSON.parse(process.argv[2]!) as RowSpec, process.env.BENCH_ROW_PGPASSWORD ?? '');
process.stdout.write(JSON.stringify(figures) + '\n');
