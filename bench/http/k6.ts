/**
 * aifb's http backend next to k6 (the HTTP load tester users pick), against the same local
 * nginx, closed loop with the same number of clients (k6 VUs), both keeping per-request
 * metrics (k6's default: every request feeds its Trend metrics):
 *   node --import tsx bench/http/k6.ts [--connections 50] [--seconds 5]
 * 1. One core: the client pinned to one core, nginx on another.
 * 2. The whole machine: neither pinned, aifb with one generator per core.
 * k6 comes from scripts/peers/k6.sh ($AIFB_CACHE/bin/k6); without it this says so and stops.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, cachedTool, printTable, run, tempDir, writeResult } from '../lib.js';
import { haveNginx, startNginx } from './nginx.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, seconds: { type: 'string', default: '5' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const cores = cpus().length;
const serverCpu = cores > 1 ? '0' : undefined;
const clientCpu = cores > 1 ? String(cores - 1) : undefined;
const k6 = cachedTool('k6');
if (!existsSync(k6)) {
  console.log(`not run: k6 is not installed (bash scripts/peers/k6.sh puts it at ${k6})`);
  process.exit(0);
}
if (!haveNginx()) {
  console.log('not run: nginx is not installed (apt-get install nginx-light)');
  process.exit(0);
}
const nginx = await startNginx(serverCpu);
const url = nginx.url;
const dir = tempDir('aifb-k6-');

// The default function is one request; handleSummary writes k6's own figures as JSON.
const script = join(dir, 'get.js');
const summary = join(dir, 'summary.json');
writeFileSync(script, `import http from 'k6/http';
export const options = { summaryTrendStats: ['avg', 'p(50)', 'p(99)', 'max'] };
export default function () { http.get(${JSON.stringify(url)}); }
export function handleSummary(data) { return { ${JSON.stringify(summary)}: JSON.stringify(data) }; }
`);

/** `cpu_s`: the client's CPU time; `per_cpu_s`: requests per CPU-second of it (the per-core figure, steadier than req/s on a shared machine). */
interface Figures { rps: number; p50_ms: number; p99_ms: number; failed: number; cpu_s: number; per_cpu_s: number }

function runK6(pin?: string): Figures {
  const r = run(k6, ['run', '--quiet', '--no-color', '--vus', String(connections), '--duration', `${seconds}s`, script], { cpus: pin, env: { K6_NO_USAGE_REPORT: 'true' }, cpuTime: true });
  if (r.code !== 0) throw new Error(`k6 failed (${r.code}): ${r.stderr.slice(-1500)}`);
  const m = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> }).metrics;
  const d = m.http_req_duration!.values;
  // The whole process, start-up and summary included (under 0.1 s of CPU for k6).
  const cpu = r.cpu_s ?? NaN;
  return { rps: m.http_reqs!.values.rate!, p50_ms: d['p(50)']!, p99_ms: d['p(99)']!, failed: m.http_req_failed?.values.passes ?? 0, cpu_s: cpu, per_cpu_s: m.http_reqs!.values.count! / cpu };
}

function runAifb(generators: number, pin?: string): Figures {
  const web = aifbRun(`services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: ${seconds}s
${generators > 1 ? `    generators: ${generators}\n` : ''}    load: {clients: ${connections}}
`, { cpus: pin }).services.web;
  // The generator threads' CPU over the run (aifb measures it itself); the metrics writer
  // thread and start-up are outside it (tsx compiling aifb's sources would dwarf a 5 s run).
  const gens = web.client.generators as { cpu_seconds: number; requests: number }[];
  const cpu = gens.reduce((s, g) => s + g.cpu_seconds, 0);
  const requests = gens.reduce((s, g) => s + g.requests, 0);
  return { rps: web.throughput.requests_per_second, p50_ms: web.percentiles.p50 * 1000, p99_ms: web.percentiles.p99 * 1000, failed: web.requests.failed, cpu_s: cpu, per_cpu_s: requests / cpu };
}

const f = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');
/** A comparison of failures is no comparison: stop if either client saw any. */
function checked(name: string, r: Figures): Figures {
  if (r.failed > 0) throw new Error(`${name}: ${r.failed} requests failed against ${url}; is nginx up?`);
  return r;
}
try {
  const load1 = loadavg();
  const k1 = checked('k6', runK6(clientCpu));
  const a1 = checked('aifb', runAifb(1, clientCpu));
  console.log(`One core (client on CPU ${clientCpu ?? 'any'}, nginx on CPU ${serverCpu ?? 'any'}), ${connections} clients, ${seconds} s, closed loop:`);
  printTable([
    ['client', 'req/s', 'req per CPU-s', 'p50 ms', 'p99 ms', 'failed'],
    ['k6 (Go, per-request Trend metrics)', f(k1.rps), f(k1.per_cpu_s), f(k1.p50_ms, 2), f(k1.p99_ms, 2), k1.failed],
    ['aifb http (every request in metrics.db)', f(a1.rps), f(a1.per_cpu_s), f(a1.p50_ms, 2), f(a1.p99_ms, 2), a1.failed],
  ]);
  console.log(`aifb / k6 on one core: ${(a1.rps / k1.rps).toFixed(2)} × the requests per second, ${(a1.per_cpu_s / k1.per_cpu_s).toFixed(2)} × the requests per CPU-second`);

  const loadN = loadavg();
  const kN = checked('k6', runK6());
  const aN = checked('aifb', runAifb(cores));
  console.log(`\nThe whole machine (${cores} cores, nothing pinned; nginx shares them), aifb with ${cores} generators:`);
  printTable([
    ['client', 'req/s', 'req per CPU-s', 'p50 ms', 'p99 ms', 'failed'],
    ['k6', f(kN.rps), f(kN.per_cpu_s), f(kN.p50_ms, 2), f(kN.p99_ms, 2), kN.failed],
    [`aifb http, generators: ${cores}`, f(aN.rps), f(aN.per_cpu_s), f(aN.p50_ms, 2), f(aN.p99_ms, 2), aN.failed],
  ]);
  console.log(`aifb / k6 on the whole machine: ${(aN.rps / kN.rps).toFixed(2)} × the requests per second, ${(aN.per_cpu_s / kN.per_cpu_s).toFixed(2)} × the requests per CPU-second`);
  writeResult('http-k6', {
    machine: { cpus: cores, model: cpus()[0]?.model, node: process.version, load_average: loadavg() },
    connections, seconds,
    one_core: { k6: k1, aifb: a1, ratio_rps: a1.rps / k1.rps, ratio_per_cpu_s: a1.per_cpu_s / k1.per_cpu_s, load_average: load1 },
    whole_machine: { k6: kN, aifb: aN, ratio_rps: aN.rps / kN.rps, ratio_per_cpu_s: aN.per_cpu_s / kN.per_cpu_s, load_average: loadN },
  });
} finally {
  nginx.stop();
  rmSync(dir, { recursive: true, force: true });
}
