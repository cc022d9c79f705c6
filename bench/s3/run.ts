/**
 * aifb's S3 backend beside k6 on a real MinIO (scripts/servers/minio.sh): PUT and GET at
 * the same object sizes and concurrency, with the figures warp reports (MiB/s, objects/s,
 * TTFB, latency p50/p99):
 *   node --import tsx bench/s3/run.ts [--concurrency 8] [--seconds 5] [--sizes 4KB,1MB]
 * warp, the peer this was meant to stand beside, is refused by the Go module proxy (403 for
 * github.com/minio/warp, every version, and for hsbench, s3-benchmark and aisloader too);
 * k6 (scripts/peers/k6.sh) with SigV4 signing in its script (bench/s3/k6-s3.ts) stands in.
 * aifb and k6 alternate, case by case, on the same server.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseSizeBytes } from '../../src/util/units.js';
import { aifbRun, cachedTool, freePort, printTable, tempDir, writeResult } from '../lib.js';
import { runK6S3, type K6S3Figures } from './k6-s3.js';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '8' }, seconds: { type: 'string', default: '5' }, sizes: { type: 'string', default: '4KB,1MB' } } });
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const sizes = values.sizes!.split(',');
const warmup = 1;
const seed = 64;
const minio = cachedTool('minio');
if (!existsSync(minio)) {
  console.log(`not run: minio is not installed (bash scripts/servers/minio.sh puts it at ${minio})`);
  process.exit(0);
}
const k6 = cachedTool('k6');
const haveK6 = existsSync(k6);
const keys = { user: 'aifb-bench', secret: 'aifb-bench-secret' };
const port = await freePort();
const data = tempDir('aifb-bench-minio-');
const work = tempDir('aifb-bench-k6s3-');
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

type Figures = Omit<K6S3Figures, 'requests'>;


function aifb(op: 'put' | 'get', size: string): Figures {
  const s = aifbRun(`services:
  - service_name: s3
    service_type: s3
    endpoint_url: ${endpoint}
    access_key: ${keys.user}
    secret_key: \${S3_SECRET}
    bucket_name: aifb-bench
    object_sizes: {${size}: 1}
    initial_objects: ${op === 'get' ? seed : 0}
    operation_mix: {${op}: 1}
    duration: ${seconds + warmup}s
    load: {clients: ${concurrency}, warmup: ${warmup}s}
`, { env: { S3_SECRET: keys.secret } }).services.s3;
  const bytes = op === 'put' ? s.throughput.bytes_out_per_second : s.throughput.bytes_in_per_second;
  return {
    objects_per_s: s.throughput.requests_per_second,
    mib_per_s: bytes / 1048576,
    ttfb_p50_ms: op === 'get' && s.ttfb?.p50 != null ? s.ttfb.p50 * 1000 : null, // the report keeps seconds
    p50_ms: s.percentiles.p50 * 1000,
    p99_ms: s.percentiles.p99 * 1000,
    failed: s.requests.failed,
    // The generator thread's CPU over its requests (warm-up's included), as aifb measures it.
    cpu_us_per_object: (s.client.cpu_seconds / (s.client.generators as { requests: number }[]).reduce((n, g) => n + g.requests, 0)) * 1e6,
  };
}

const f = (v: number | null | undefined, d = 1) => (v == null || !Number.isFinite(v) ? '-' : v.toFixed(d));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || !b ? null : a / b);
try {
  const rows: (string | number)[][] = [['operation', 'size', 'client', 'objects/s', 'MiB/s', 'TTFB p50 ms', 'p50 ms', 'p99 ms', 'failed', 'CPU µs/object', 'aifb/k6 obj/s']];
  const results: Record<string, { aifb: Figures; k6?: K6S3Figures; ratio_objects?: number | null; load_average: number[] }> = {};
  for (const size of sizes) {
    for (const op of ['put', 'get'] as const) {
      const load = loadavg();
      const a = aifb(op, size);
      const k = haveK6 ? runK6S3(k6, work, { endpoint, bucket: 'k6-bench', accessKey: keys.user, region: 'us-east-1' }, keys.secret, op, parseSizeBytes(size)!, { vus: concurrency, seconds, warmup, seed }) : undefined;
      const r = ratio(a.objects_per_s, k?.objects_per_s);
      results[`${op}_${size}`] = { aifb: a, ...(k ? { k6: k, ratio_objects: r } : {}), load_average: load };
      rows.push([op, size, 'aifb', f(a.objects_per_s), f(a.mib_per_s, 2), f(a.ttfb_p50_ms, 2), f(a.p50_ms, 2), f(a.p99_ms, 2), a.failed, f(a.cpu_us_per_object, 0), f(r, 2)]);
      if (k) rows.push(['', '', 'k6', f(k.objects_per_s), f(k.mib_per_s, 2), f(k.ttfb_p50_ms, 2), f(k.p50_ms, 2), f(k.p99_ms, 2), k.failed, f(k.cpu_us_per_object, 0), '']);
    }
  }
  console.log(`aifb${haveK6 ? ' and k6 (SigV4 in its script)' : ''} on MinIO (single drive, same machine), ${concurrency} clients, ${seconds} s each after ${warmup} s warm-up; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!haveK6) console.log(`k6: not run (bash scripts/peers/k6.sh puts it at ${k6})`);
  printTable(rows);
  writeResult('s3-minio', {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, load_average: loadavg() },
    concurrency, seconds, warmup,
    peer: haveK6 ? 'k6 v1.8.1 with SigV4 signing in its script (warp: refused by the Go module proxy, 403)' : 'none: k6 not installed; warp refused by the Go module proxy',
    results,
  });
} finally {
  const gone = new Promise((r) => server.once('exit', r));
  server.kill();
  await gone;
  rmSync(data, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
