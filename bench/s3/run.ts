/**
 * aifb's S3 backend on a real MinIO (scripts/servers/minio.sh): PUT and GET at fixed
 * object sizes and concurrency, with the figures warp reports (MiB/s, objects/s, TTFB,
 * latency p50/p99):
 *   node --import tsx bench/s3/run.ts [--concurrency 8] [--seconds 5]
 * warp itself, the peer this was meant to stand beside, cannot be installed here (the Go
 * module proxy refuses github.com/minio/warp), so only aifb's side is measured.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, freePort, printTable, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '8' }, seconds: { type: 'string', default: '5' } } });
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const minio = join(process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb'), 'bin', 'minio');
if (!existsSync(minio)) {
  console.log(`not run: minio is not installed (bash scripts/servers/minio.sh puts it at ${minio})`);
  process.exit(0);
}
const keys = { user: 'aifb-bench', secret: 'aifb-bench-secret' };
const port = await freePort();
const data = tempDir('aifb-bench-minio-');
const server = spawn(minio, ['server', data, '--address', `127.0.0.1:${port}`], {
  stdio: 'ignore',
  env: { ...process.env, MINIO_ROOT_USER: keys.user, MINIO_ROOT_PASSWORD: keys.secret, MINIO_BROWSER: 'off' },
});
const endpoint = `http://127.0.0.1:${port}`;
for (let i = 0; i < 300; i++) {
  const ok = await fetch(`${endpoint}/minio/health/cluster`).then((r) => r.ok, () => false);
  if (ok) break;
  await new Promise((r) => setTimeout(r, 100));
}

interface Figures { objects_per_s: number; mib_per_s: number; ttfb_p50_ms: number | null; p50_ms: number; p99_ms: number; failed: number }

function measure(op: 'put' | 'get', size: string): Figures {
  const s = aifbRun(`services:
  - service_name: s3
    service_type: s3
    endpoint_url: ${endpoint}
    access_key: ${keys.user}
    secret_key: \${S3_SECRET}
    bucket_name: aifb-bench
    object_sizes: {${size}: 1}
    initial_objects: ${op === 'get' ? 64 : 0}
    operation_mix: {${op}: 1}
    duration: ${seconds}s
    load: {clients: ${concurrency}, warmup: 1s}
`, { env: { S3_SECRET: keys.secret } }).services.s3;
  const bytes = op === 'put' ? s.throughput.bytes_out_per_second : s.throughput.bytes_in_per_second;
  return {
    objects_per_s: s.throughput.requests_per_second,
    mib_per_s: bytes / 1048576,
    ttfb_p50_ms: op === 'get' && s.ttfb?.p50 != null ? s.ttfb.p50 * 1000 : null, // the report keeps seconds
    p50_ms: s.percentiles.p50 * 1000,
    p99_ms: s.percentiles.p99 * 1000,
    failed: s.requests.failed,
  };
}

const f = (v: number | null, d = 1) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(d));
try {
  const rows: (string | number)[][] = [['operation', 'size', 'objects/s', 'MiB/s', 'TTFB p50 ms', 'p50 ms', 'p99 ms', 'failed']];
  const results: Record<string, Figures> = {};
  for (const size of ['4KB', '1MB']) {
    for (const op of ['put', 'get'] as const) {
      const r = measure(op, size);
      results[`${op}_${size}`] = r;
      rows.push([op, size, f(r.objects_per_s), f(r.mib_per_s, 2), f(r.ttfb_p50_ms, 2), f(r.p50_ms, 2), f(r.p99_ms, 2), r.failed]);
    }
  }
  console.log(`aifb on MinIO (single drive, same machine), ${concurrency} clients, ${seconds} s each, 1 s warm-up; warp: not installable here`);
  printTable(rows);
  writeResult('s3-minio', { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load_average: loadavg() }, concurrency, seconds, peer: 'warp not installable (module proxy refuses github.com/minio/warp)', aifb: results });
} finally {
  const gone = new Promise((r) => server.once('exit', r));
  server.kill();
  await gone;
  rmSync(data, { recursive: true, force: true });
}
