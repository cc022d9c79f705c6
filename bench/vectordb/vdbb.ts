/**
 * The VectorDBBench side of bench/vectordb: its CLI, headless, on a custom data set (the
 * parquet files of make-dataset.py; nothing is downloaded), one concurrency level, and
 * the figures it writes to its results JSON.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from '../lib.js';

export interface VdbbFigures { qps: number; p99_ms: number | null; p50_ms: number | null; recall: number; serial_p99_ms: number; load_s: number; cpu_s: number | undefined }
export interface VdbbCase { dataDir: string; n: number; d: number; k: number; clients: number; seconds: number; workDir: string }

/**
 * Runs `vectordbbench <db> …` once (through vdbb-cli.py, its CLI with one fix for the Chroma
 * runner) with the venv's `python`, and reads the result it wrote; throws with the error
 * lines of its log when the case failed.
 */
export function runVdbb(python: string, db: 'weaviate' | 'chroma', dbArgs: string[], c: VdbbCase): VdbbFigures {
  const results = join(c.workDir, `results-${db}`);
  const args = [
    db, ...dbArgs,
    '--case-type', 'PerformanceCustomDataset',
    '--custom-case-name', 'aifb-bench', '--custom-dataset-name', 'aifb-bench',
    '--custom-dataset-dir', c.dataDir, '--custom-dataset-size', String(c.n), '--custom-dataset-dim', String(c.d),
    '--custom-dataset-metric-type', 'COSINE', '--custom-dataset-file-count', '1',
    '--skip-custom-dataset-use-shuffled', '--custom-dataset-with-gt',
    '--k', String(c.k), '--num-concurrency', String(c.clients), '--concurrency-duration', String(c.seconds),
    '--db-label', 'aifb-bench',
  ];
  const env = { DATASET_LOCAL_DIR: join(c.workDir, 'datasets'), RESULTS_LOCAL_DIR: results, LOG_LEVEL: 'INFO' };
  const r = run(python, [join(root, 'bench/vectordb/vdbb-cli.py'), ...args], { env, cwd: c.workDir, cpuTime: true });
  const files = listJson(results);
  const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const m = newest ? (JSON.parse(readFileSync(newest, 'utf8')) as { results: { metrics: Record<string, any> }[] }).results[0]?.metrics : undefined;
  // A failed case still writes a result, with zeros: QPS 0 and no concurrency list.
  if (r.code !== 0 || !m || !m.qps) throw new Error(`VectorDBBench ${db} failed (exit ${r.code}): ${(r.stderr + r.stdout).split('\n').filter((l) => /Error|error|failed|Traceback/.test(l)).slice(-6).join('\n')}`);
  const at = (list: number[] | undefined) => (list && list.length ? list[0]! * 1000 : null);
  return {
    qps: m.qps,
    p99_ms: at(m.conc_latency_p99_list),
    p50_ms: at(m.conc_latency_p50_list),
    recall: m.recall,
    serial_p99_ms: m.serial_latency_p99 * 1000,
    load_s: m.load_duration,
    cpu_s: r.cpu_s,
  };
}

function listJson(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}
