// What the formats work costs, beside the tools of the field, alternating so a shared
// machine's load falls on both alike:
//   1. token counting: tokenizers.js (aifb's `tokenizer:`) against Hugging Face's Rust
//      `tokenizers` (Python binding), one prompt at a time, on the same tokenizer.json;
//      and building the 1,024-prompt pool with exact lengths against the estimate.
//   2. exporting per-request rows: aifb's CSV and Parquet writers against pyarrow writing
//      the same rows read from SQLite.
//   node --import tsx bench/formats/run.ts [--rows N] [--tokenizer DIR]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { MetricsStore } from '../../src/metrics/store.js';
import { collectProvenance } from '../../src/metrics/provenance.js';
import { writeSamplesCsv } from '../../src/report/exports.js';
import { writeSamplesParquet } from '../../src/report/export-parquet.js';
import { loadTokenCounter, ESTIMATE } from '../../src/services/llm/common/tokenizer.js';
import { PromptPool } from '../../src/services/llm/common/prompts.js';
import { createRng } from '../../src/util/rng.js';
import { tempDir } from '../lib.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, tokenizer: { type: 'string' } } });
const cache = process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb');
const tokDir = values.tokenizer ?? join(cache, 'tiny-gguf', 'tokenizer');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const venvPython = (prefix: string, module: string): string | undefined => {
  const d = existsSync(cache) ? readdirSync(cache).find((x) => x.startsWith(prefix)) : undefined;
  return [d ? join(cache, d, 'bin', 'python') : '', 'python3'].filter(Boolean).find((py) => spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);
};

async function tokenBench(): Promise<void> {
  if (!existsSync(join(tokDir, 'tokenizer.json'))) return void console.log(`tokenizer: ${tokDir} has no tokenizer.json; skipped`);
  const counter = await loadTokenCounter(tokDir);
  const pool = new PromptPool({ input_tokens: 512 }, 16, createRng(1), 1024);
  const texts = Array.from({ length: pool.size }, (_, i) => pool.pick(createRng(i)).text);
  const py = venvPython('gguf-venv-', 'tokenizers');
  const script = `import sys, json, time\nfrom tokenizers import Tokenizer\nt = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")\ntexts = json.load(sys.stdin)\ns = time.perf_counter()\nn = sum(len(t.encode(x, add_special_tokens=False).ids) for x in texts)\nprint(json.dumps({"ms": (time.perf_counter() - s) * 1000, "tokens": n}))`;
  console.log(`token counting: ${texts.length} prompts of ~512 tokens, one encode each (load ${load()})`);
  for (let round = 1; round <= 3; round++) {
    const t0 = performance.now();
    let n = 0;
    for (const t of texts) n += counter.count(t);
    const js = performance.now() - t0;
    let peer = '';
    if (py) {
      const r = spawnSync(py, ['-c', script, tokDir], { input: JSON.stringify(texts), encoding: 'utf8' });
      const p = JSON.parse(r.stdout) as { ms: number; tokens: number };
      peer = `; Rust tokenizers ${p.ms.toFixed(0)} ms (${p.tokens} tokens${p.tokens === n ? ', same count' : ', DIFFERENT count'})`;
    }
    console.log(`  round ${round}: tokenizers.js ${js.toFixed(0)} ms (${n} tokens, ${((js * 1000) / texts.length).toFixed(0)} µs a prompt)${peer}; load ${load()}`);
  }
  for (const [what, c] of [['estimate', ESTIMATE], ['tokenizer, exact lengths', counter]] as const) {
    const t0 = performance.now();
    new PromptPool({ input_tokens: { mean: 512, stdev: 128, min: 64, max: 1024 } }, 128, createRng(2), 1024, c);
    console.log(`prompt pool of 1,024 (${what}): ${(performance.now() - t0).toFixed(0)} ms in setup; load ${load()}`);
  }
}

function exportBench(rows: number): void {
  const dir = tempDir('aifb-bench-formats-');
  const dbFile = join(dir, 'metrics.db');
  const store = new MetricsStore(dbFile);
  store.beginRun({ benchmarkId: 'b', name: 'b', description: undefined, recipeFile: 'r.yaml', recipeText: 'x', recipeHash: 'h', provenance: collectProvenance({}) }, 0, (m) => 1_700_000_000_000 + m);
  for (let i = 0; i < rows; i++) {
    const at = i * 0.5;
    store.append({
      service: 'llm', clientId: i % 64, operation: 'chat', intendedStart: at, actualStart: at + 0.1, end: at + 900, ok: i % 50 !== 0,
      status: i % 50 ? 200 : 503, errorClass: i % 50 ? null : 'http_5xx', message: i % 50 ? null : 'overloaded, try again', bytesIn: 4000, bytesOut: 900,
      llm: { ttftMs: 80 + (i % 17), tpotMs: 12, itlMs: 12, inputTokens: 512, outputTokens: 64, tokensEstimated: false },
      extra: { itl: [[12.1, 40], [11.9, 23]], e2el_ms: 850, tokens_from: { input: 'server', output: 'server' } },
    });
  }
  store.finishRun('complete', rows * 0.5 + 1000);
  store.close();
  const db = new Database(dbFile, { readonly: true });
  const py = venvPython('pyarrow-', 'pyarrow');
  const peerScript = `import sys, sqlite3, time, json\nimport pyarrow as pa, pyarrow.parquet as pq\ns = time.perf_counter()\ncon = sqlite3.connect(sys.argv[1])\ncur = con.execute("SELECT * FROM metrics ORDER BY id")\ncols = [d[0] for d in cur.description]\nrows = cur.fetchall()\nt = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})\npq.write_table(t, sys.argv[2])\nprint(json.dumps({"ms": (time.perf_counter() - s) * 1000}))`;
  console.log(`export of ${rows.toLocaleString('en')} LLM rows from SQLite (load ${load()})`);
  for (let round = 1; round <= 3; round++) {
    const t0 = performance.now();
    writeSamplesCsv(db, 'b', join(dir, 's.csv'));
    const csv = performance.now() - t0;
    const t1 = performance.now();
    writeSamplesParquet(db, 'b', join(dir, 's.parquet'));
    const pq = performance.now() - t1;
    let peer = '';
    if (py) {
      const r = spawnSync(py, ['-c', peerScript, dbFile, join(dir, 'peer.parquet')], { encoding: 'utf8' });
      peer = `; pyarrow ${(JSON.parse(r.stdout) as { ms: number }).ms.toFixed(0)} ms (${(statSync(join(dir, 'peer.parquet')).size / 1e6).toFixed(1)} MB)`;
    }
    const mb = (f: string) => (statSync(join(dir, f)).size / 1e6).toFixed(1);
    console.log(`  round ${round}: CSV ${csv.toFixed(0)} ms (${mb('s.csv')} MB), Parquet ${pq.toFixed(0)} ms (${mb('s.parquet')} MB)${peer}; load ${load()}`);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

await tokenBench();
exportBench(Number(values.rows));
