/**
 * `npm run bench`: every side-by-side comparison in one go. Each prints its own table and
 * writes bench/results/<name>.json; a failing one does not stop the others.
 * Not part of the tests: figures depend on the machine and what else runs on it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root, tsxLoader } from './lib.js';

const benches: [string, string[]][] = [
  ['HTTP: aifb vs wrk and autocannon (nginx)', ['bench/http/run.ts']],
  ['HTTP: aifb vs k6 (nginx)', ['bench/http/k6.ts']],
  ['Open loop: the schedule lag of the sleep alone', ['bench/http/lag-floor.ts']],
  ['Sample pipeline', ['bench/pipeline/run.ts']],
  ['aifb\'s own CPU per request, part by part (engine, store, aggregates)', ['bench/pipeline/per-request.ts']],
  ['PostgreSQL: aifb vs pgbench, with each layer alone (drivers, adapter)', ['bench/pgbench/run.ts']],
  ['File storage: aifb vs fio (4 KiB randrw, fsync and O_SYNC), with Node alone (libuv, blocking threads)', ['bench/fio/run.ts']],
  ['S3: aifb vs k6 on MinIO (PUT/GET, warp\'s figures; warp itself is refused by the module proxy)', ['bench/s3/run.ts']],
  ['Vector search: aifb vs VectorDBBench on Weaviate and ChromaDB', ['bench/vectordb/run.ts']],
  ['LLM streams: timing error against the simulator', ['bench/llm/accuracy.ts']],
  ['LLM streams: the machine\'s floor (raw sockets, undici alone)', ['bench/llm/floor.ts']],
  ['LLM: aifb vs aiperf and guidellm on a real llama-server, with its own metrics', ['bench/llm/peers.ts']],
  ['LLM: each client against the wire (tcpdump on lo)', ['bench/llm/wire.ts']],
  ['Isolation: each service beside others as if alone (issue 17)', ['bench/isolation/run.ts']],
];
const only = process.argv.slice(2);
let failed = 0;
for (const [title, args] of benches) {
  if (only.length && !only.some((o) => args[0]!.includes(o))) continue;
  console.log(`\n=== ${title} ===`);
  const r = spawnSync(process.execPath, ['--import', tsxLoader, join(root, args[0]!), ...args.slice(1)], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    failed++;
    console.log(`(${title}: exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
