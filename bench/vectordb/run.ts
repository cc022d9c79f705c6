/**
 * aifb beside VectorDBBench (scripts/peers/vectordbbench.sh) on a real Weaviate
 * (scripts/servers/weaviate.sh) and a real ChromaDB (the npm package's server): the same
 * vectors (one custom data set written in both tools' formats by make-dataset.py), the
 * same k, HNSW settings and closed-loop concurrency; QPS, p99 and recall@k:
 *   node --import tsx bench/vectordb/run.ts [--n 5000] [--clients 4] [--seconds 10] [--k 10]
 * Per database: VectorDBBench's PerformanceCustomDataset (load, one concurrent-search
 * level, then its serial pass for recall), then aifb on the same server, alternating.
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startChroma } from '../../test/helpers/chroma-server.js';
import { launchLive, WEAVIATE_SPEC } from '../../test/helpers/live-servers.js';
import { aifbRun, cachedTool, printTable, root, run, tempDir, writeResult } from '../lib.js';
import { runVdbb, type VdbbFigures } from './vdbb.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '5000' }, clients: { type: 'string', default: '4' }, seconds: { type: 'string', default: '10' }, k: { type: 'string', default: '10' } } });
const [n, clients, seconds, k] = [values.n, values.clients, values.seconds, values.k].map(Number) as [number, number, number, number];
const d = 128;
const queries = 1000;
const hnsw = { m: 32, efConstruction: 128, ef: 128 };

const vdbb = cachedTool('vectordbbench');
if (!existsSync(vdbb)) {
  console.log(`not run: VectorDBBench is not installed (bash scripts/peers/vectordbbench.sh puts it at ${vdbb})`);
  process.exit(0);
}
// The link points into the venv; its python runs the CLI through bench/vectordb/vdbb-cli.py.
const python = join(dirname(realpathSync(vdbb)), 'python');
const work = tempDir('aifb-bench-vdb-');
const data = join(work, 'data');
const made = run(python, [join(root, 'bench/vectordb/make-dataset.py'), data, String(n), String(queries), String(d), '100', '7']);
if (made.code !== 0) throw new Error(`make-dataset.py failed: ${made.stderr.slice(-1500)}`);

interface AifbFigures { qps: number; p99_ms: number; p50_ms: number; recall: number | null; failed: number; cpu_s: number | undefined }

function aifb(fields: string): AifbFigures {
  const s = aifbRun(`services:
  - service_name: vdb
    service_type: vectordb
${fields}
    dataset: {base: ${join(data, 'base.npy')}, queries: ${join(data, 'queries.npy')}, neighbors: ${join(data, 'neighbors.npy')}}
    distance: cosine
    search_k: ${k}
    ef_construction: ${hnsw.efConstruction}
    max_neighbors: ${hnsw.m}
    operation_mix: {search: 1}
    duration: ${seconds}s
    load: {clients: ${clients}, warmup: 2s}
`, { cpuTime: true }).services.vdb;
  return {
    qps: s.throughput.requests_per_second,
    p99_ms: s.percentiles.p99 * 1000,
    p50_ms: s.percentiles.p50 * 1000,
    recall: s.recall?.mean ?? null,
    failed: s.requests.failed,
    cpu_s: s.client?.cpu_seconds,
  };
}

const results: Record<string, { vectordbbench?: VdbbFigures; vectordbbench_error?: string; aifb: AifbFigures; load_average: number[] }> = {};
const c = { dataDir: data, n, d, k, clients, seconds, workDir: work };
async function compare(name: string, vdbbArgs: string[], aifbFields: string): Promise<void> {
  const load = loadavg();
  let peer: VdbbFigures | undefined;
  let error: string | undefined;
  try {
    peer = runVdbb(python, name === 'weaviate' ? 'weaviate' : 'chroma', vdbbArgs, c);
  } catch (err) {
    error = (err as Error).message;
    console.log(error);
  }
  results[name] = { ...(peer ? { vectordbbench: peer } : { vectordbbench_error: error }), aifb: aifb(aifbFields), load_average: load };
}

try {
  if (existsSync(cachedTool('weaviate-server'))) {
    const w = await launchLive(WEAVIATE_SPEC, 6);
    try {
      await compare('weaviate', ['--url', w.endpoint, '--no-auth', '--m', String(hnsw.m), '--ef-construction', String(hnsw.efConstruction), '--ef', String(hnsw.ef)],
        `    backend: weaviate\n    host: 127.0.0.1\n    port: ${w.port}\n    search_params: [{ef_search: ${hnsw.ef}}]`);
    } finally {
      await w.close();
    }
  } else console.log('weaviate: not run (bash scripts/servers/weaviate.sh)');
  const chroma = await startChroma();
  try {
    await compare('chromadb', ['--host', '127.0.0.1', '--port', String(chroma.port), '--m', String(hnsw.m), '--ef-construct', String(hnsw.efConstruction), '--ef-search', String(hnsw.ef)],
      `    backend: chromadb\n    host: 127.0.0.1\n    port: ${chroma.port}\n    ef_search: ${hnsw.ef}`);
  } finally {
    await chroma.destroy();
  }

  const f = (v: number | null | undefined, p = 1) => (v == null || !Number.isFinite(v) ? '-' : v.toFixed(p));
  const rows: (string | number)[][] = [['database', 'client', 'QPS', 'p50 ms', 'p99 ms', `recall@${k}`, 'client CPU s', 'aifb/VDBB QPS']];
  for (const [db, r] of Object.entries(results)) {
    const p = r.vectordbbench;
    rows.push([db, 'VectorDBBench 2.0.0', f(p?.qps), f(p?.p50_ms, 2), f(p?.p99_ms, 2), f(p?.recall, 4), f(p?.cpu_s), '']);
    rows.push(['', 'aifb', f(r.aifb.qps), f(r.aifb.p50_ms, 2), f(r.aifb.p99_ms, 2), f(r.aifb.recall, 4), f(r.aifb.cpu_s), p ? f(r.aifb.qps / p.qps, 2) : '-']);
  }
  console.log(`${n} vectors (d=${d}, cosine), ${queries} queries, k=${k}, HNSW m=${hnsw.m} ef_construction=${hnsw.efConstruction} ef=${hnsw.ef}, ${clients} clients closed loop, ${seconds} s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('VectorDBBench: QPS and p50/p99 from its concurrent pass, recall from its serial pass over all queries; client CPU is its whole run (load included). aifb: after a 2 s warm-up, recall over its searches; client CPU is the generator thread\'s.');
  printTable(rows);
  writeResult('vectordb-peers', { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load_average: loadavg() }, n, d, queries, k, clients, seconds, hnsw, results });
} finally {
  rmSync(work, { recursive: true, force: true });
}
