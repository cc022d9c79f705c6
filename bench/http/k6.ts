/**
 * aifb's http backend next to k6 (the HTTP load tester users pick), against the same local
 * nginx, closed loop with the same number of clients (k6 VUs), both keeping per-request
 * metrics (k6's default: every request feeds its Trend metrics):
 *   node --import tsx bench/http/k6.ts [--connections 50] [--seconds 5]
 * 1. One core: the client pinned to one core, nginx on another.
 * 2. The whole machine: neither pinned, aifb with one generator per core.
 * k6 comes from scripts/peers/k6.sh ($AIFB_CACHE/bin/k6); without it this says so and stops.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, freePort, printTable, run, spawnPinned, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, seconds: { type: 'string', default: '5' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const cores = cpus().length;
const serverCpu = cores > 1 ? '0' : undefined;
const clientCpu = cores > 1 ? String(cores - 1) : undefined;
const k6 = join(process.env.AIFB_CACHE ?? join(homedir(), '.cache', 'aifb'), 'bin', 'k6');
if (!existsSync(k6)) {
  console.log(`not run: k6 is not installed (bash scripts/peers/k6.sh puts it at ${k6})`);
  process.exit(0);
}

if (run('sh', ['-c', 'command -v nginx']).code !== 0) {
  console.log('not run: nginx is not installed (apt-get install nginx-light)');
  process.exit(0);
}
const port = await freePort();
const dir = tempDir('aifb-k6-');
const conf = join(dir, 'nginx.conf');
writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; location / { return 200 "hello from nginx\\n"; } }
}
`);
const nginx = spawnPinned('nginx', ['-c', conf, '-p', dir], serverCpu);
await new Promise((r) => setTimeout(r, 500));
const url = `http://127.0.0.1:${port}/`;

// The default function is one request; handleSummary writes k6's own figures as JSON.
const script = join(dir, 'get.js');
const summary = join(dir, 'summary.json');
writeFileSync(script, `import http from 'k6/http';
export const options = { summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'] };
export default function () { http.get(${JSON.stringify(url)}); }
export function handleSummary(data) { return { ${JSON.stringify(summary)}: JSON.stringify(data) }; }
`);

interface Figures { rps: number; p50_ms: number; p99_ms: number; failed: number }

function runK6(pin?: string): Figures {
  const r = run(k6, ['run', '--quiet', '--no-color', '--vus', String(connections), '--duration', `${seconds}s`, script], { cpus: pin, env: { K6_NO_USAGE_REPORT: 'true' } });
  if (r.code !== 0) throw new Error(`k6 failed (${r.code}): ${r.stderr.slice(-1500)}`);
  const m = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }).metrics;
  const d = m.http_req_duration!.values;
  return { rps: m.http_reqs!.values.rate!, p50_ms: d['p(50)']!, p99_ms: d['p(99)']!, failed: m.http_req_failed?.values.passes ?? 0 };
}

function runAifb(generators: number, pin?: string): Figures {
  const web = aifbRun(`services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: ${seconds}s
${generators > 1 ? `    generators: ${generators}\n` : ''}    load: {clients: ${connections}}
`, { cpus: pin }).services.web;
  return { rps: web.throughput.requests_per_second, p50_ms: web.percentiles.p50 * 1000, p99_ms: web.percentiles.p99 * 1000, failed: web.requests.failed };
}

const f = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');
/** A comparison of failures is no comparison: stop if either client saw any. */
function checked(name: string, r: Figures): Figures {
  if (r.failed > 0) throw new Error(`${name}: ${r.failed} requests failed against ${url}; is nginx up?`);
  return r;
}
try {
  const k1 = checked('k6', runK6(clientCpu));
  const a1 = checked('aifb', runAifb(1, clientCpu));
  console.log(`One core (client on CPU ${clientCpu ?? 'any'}, nginx on CPU ${serverCpu ?? 'any'}), ${connections} clients, ${seconds} s, closed loop:`);
  printTable([
    ['client', 'req/s', 'p50 ms', 'p99 ms', 'failed'],
    ['k6 (Go, per-request Trend metrics)', f(k1.rps), f(k1.p50_ms, 2), f(k1.p99_ms, 2), k1.failed],
    ['aifb http (every request in metrics.db)', f(a1.rps), f(a1.p50_ms, 2), f(a1.p99_ms, 2), a1.failed],
  ]);
  console.log(`aifb / k6 on one core: ${(a1.rps / k1.rps).toFixed(2)} × the requests per second`);

  const kN = checked('k6', runK6());
  const aN = checked('aifb', runAifb(cores));
  console.log(`\nThe whole machine (${cores} cores, nothing pinned; nginx shares them), aifb with ${cores} generators:`);
  printTable([
    ['client', 'req/s', 'p50 ms', 'p99 ms', 'failed'],
    ['k6', f(kN.rps), f(kN.p50_ms, 2), f(kN.p99_ms, 2), kN.failed],
    [`aifb http, generators: ${cores}`, f(aN.rps), f(aN.p50_ms, 2), f(aN.p99_ms, 2), aN.failed],
  ]);
  console.log(`aifb / k6 on the whole machine: ${(aN.rps / kN.rps).toFixed(2)} × the requests per second`);
  writeResult('http-k6', {
    machine: { cpus: cores, model: cpus()[0]?.model, node: process.version, load_average: (await import('node:os')).loadavg() },
    connections, seconds,
    one_core: { k6: k1, aifb: a1, ratio_rps: a1.rps / k1.rps },
    whole_machine: { k6: kN, aifb: aN, ratio_rps: aN.rps / kN.rps },
  });
} finally {
  nginx.kill();
}
