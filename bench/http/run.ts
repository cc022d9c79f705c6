/**
 * aifb's http backend next to wrk and autocannon, against the same local nginx, with the
 * same connections:
 *   node --import tsx bench/http/run.ts [--connections 50] [--seconds 5]
 * 1. One core: each client pinned to one core, nginx on another; undici alone (no
 *    measuring) is shown as the ceiling of the library aifb sends with.
 * 2. Every core: aifb with one worker-thread generator per core (`generators: N`), beside
 *    wrk and autocannon with as many threads/workers; nginx's CPU use shows whether the
 *    server, not the client, was the limit.
 * 3. Open loop at 10,000 req/s: achieved rate and schedule lag (aifb not pinned: the
 *    metrics database's writer thread runs beside the event loop).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, printTable, root, run, tsxLoader, writeResult } from '../lib.js';
import { startNginx } from './nginx.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, seconds: { type: 'string', default: '5' }, rate: { type: 'string', default: '10000' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const openRate = Number(values.rate);
const cores = cpus().length;
const multi = cores > 1;
const serverCpu = multi ? '0' : undefined;
const clientCpu = multi ? String(cores - 1) : undefined;
for (const [tool, apt] of [['nginx', 'nginx-light'], ['wrk', 'wrk']]) {
  if (run('sh', ['-c', `command -v ${tool}`]).code !== 0) {
    console.log(`not run: ${tool} is not installed (apt-get install ${apt}; scripts/setup.sh has it)`);
    process.exit(0);
  }
}
const nginx = await startNginx(serverCpu);
const url = nginx.url;

/** Runs `fn` and returns its result with the share of one core nginx used meanwhile. */
function withServerLoad<T>(fn: () => T): { result: T; serverCores: number } {
  const cpu0 = nginx.cpuSeconds();
  const t0 = performance.now();
  const result = fn();
  return { result, serverCores: (nginx.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000) };
}

/** req/s, p99 and requests per CPU-second of the client (whole process for wrk and autocannon, start-up included). */
interface Figures { rps: number; p99_ms: number | null; per_cpu_s: number }
const toMs = (v: string, u: string) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);
function wrk(threads: number, pin?: string): Figures {
  const r = run('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url], { cpus: pin, cpuTime: true });
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const total = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]), p99_ms: p99 ? toMs(p99[1]!, p99[2]!) : null, per_cpu_s: total / r.cpu_s! };
}
function autocannon(workers: number, pin?: string): Figures {
  const args = [join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', String(seconds), '-j', ...(workers > 1 ? ['-w', String(workers)] : []), url];
  const r = run(process.execPath, args, { cpus: pin, cpuTime: true });
  const j = JSON.parse(r.stdout) as { requests: { average: number; total: number }; latency: { p99: number } };
  return { rps: j.requests.average, p99_ms: j.latency.p99, per_cpu_s: j.requests.total / r.cpu_s! };
}
function aifb(generators: number, pin?: string): Figures {
  const recipe = `services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: ${seconds}s
${generators > 1 ? `    generators: ${generators}\n` : ''}    load: {clients: ${connections}}
`;
  const web = aifbRun(recipe, { cpus: pin }).services.web;
  // The generator threads' own CPU time as aifb measures it: start-up (tsx compiling the
  // sources) and the metrics writer thread are outside it.
  const gens = web.client.generators as { cpu_seconds: number; requests: number }[];
  const perCpu = gens.reduce((s, g) => s + g.requests, 0) / gens.reduce((s, g) => s + g.cpu_seconds, 0);
  return { rps: web.throughput.requests_per_second as number, p99_ms: (web.percentiles.p99 as number) * 1000, per_cpu_s: perCpu };
}
const fixed = (v: number | null, d = 0) => (v === null || Number.isNaN(v) ? '-' : v.toFixed(d));

try {
  // 1. One core.
  const load1 = loadavg();
  const wrk1 = wrk(1, clientCpu);
  const ac1 = autocannon(1, clientCpu);
  const undici1 = JSON.parse(run(process.execPath, ['--import', tsxLoader, join(root, 'bench/http/undici-alone.ts'), url, String(connections), String(seconds)], { cpus: clientCpu }).stdout) as { rps: number };
  const one = withServerLoad(() => aifb(1, clientCpu));
  console.log(`One core (client on CPU ${clientCpu ?? 'any'}, nginx on CPU ${serverCpu ?? 'any'}), ${connections} connections, ${seconds} s:`);
  printTable([
    ['client', 'req/s', 'p99 ms', 'req per CPU-s', 'aifb / client (req/s)', 'aifb / client (per CPU-s)'],
    ['wrk (C)', fixed(wrk1.rps), fixed(wrk1.p99_ms, 2), fixed(wrk1.per_cpu_s), (one.result.rps / wrk1.rps).toFixed(2), (one.result.per_cpu_s / wrk1.per_cpu_s).toFixed(2)],
    ['autocannon', fixed(ac1.rps), fixed(ac1.p99_ms, 2), fixed(ac1.per_cpu_s), (one.result.rps / ac1.rps).toFixed(2), (one.result.per_cpu_s / ac1.per_cpu_s).toFixed(2)],
    ['undici dispatch alone (no measuring)', fixed(undici1.rps), '-', '-', (one.result.rps / undici1.rps).toFixed(2), '-'],
    ['aifb http', fixed(one.result.rps), fixed(one.result.p99_ms, 2), fixed(one.result.per_cpu_s), '1.00', '1.00'],
  ]);

  // 2. Every core.
  const loadN = loadavg();
  const wrkN = wrk(cores);
  const acN = autocannon(cores);
  const all = withServerLoad(() => aifb(cores));
  const scaling = all.result.rps / (cores * one.result.rps);
  const serverBound = all.serverCores > 0.9;
  console.log(`\nEvery core (${cores}): aifb with ${cores} worker-thread generators; nginx used ${all.serverCores.toFixed(2)} of a core${serverBound ? ' — the server was the limit, not aifb' : ''}:`);
  printTable([
    ['client', 'req/s', 'p99 ms', 'req per CPU-s', 'aifb / client (req/s)', 'aifb / client (per CPU-s)'],
    [`wrk -t${cores}`, fixed(wrkN.rps), fixed(wrkN.p99_ms, 2), fixed(wrkN.per_cpu_s), (all.result.rps / wrkN.rps).toFixed(2), (all.result.per_cpu_s / wrkN.per_cpu_s).toFixed(2)],
    [`autocannon -w ${cores}`, fixed(acN.rps), fixed(acN.p99_ms, 2), fixed(acN.per_cpu_s), (all.result.rps / acN.rps).toFixed(2), (all.result.per_cpu_s / acN.per_cpu_s).toFixed(2)],
    [`aifb http, generators: ${cores}`, fixed(all.result.rps), fixed(all.result.p99_ms, 2), fixed(all.result.per_cpu_s), '1.00', '1.00'],
  ]);
  // The server shares these cores here: the client had only what nginx left of them.
  const clientCores = cores - all.serverCores;
  const scalingPerClientCore = all.result.rps / (clientCores * one.result.rps);
  const toolScaling = (n: number, n1: number) => (n / (cores * n1)).toFixed(2);
  console.log(`scaling: ${scaling.toFixed(2)} × (cores × one-core figure); target ≥ 0.80 where the server is not the limit`);
  console.log(`  per core left to the client (${clientCores.toFixed(2)} of ${cores}, nginx using the rest): ${scalingPerClientCore.toFixed(2)}`);
  console.log(`  the same ratio for the other clients: wrk ${toolScaling(wrkN.rps, wrk1.rps)}, autocannon ${toolScaling(acN.rps, ac1.rps)}`);

  // 3. Open loop.
  const open = aifbRun(`services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: 10s
    load: {rate: ${openRate}, max_in_flight: 1000, warmup: 2s}
`).services.web;
  const lag = open.schedule_lag as { p50: number; p90: number; p99: number; max: number };
  const achievedOff = Math.abs(open.load.achieved_rate / openRate - 1);
  console.log(`\nOpen loop, ${openRate} req/s requested (Poisson, 2 s warm-up; aifb not pinned, so its metrics writer thread runs beside the load):`);
  printTable([
    ['figure', 'measured', 'target'],
    ['achieved rate (req/s)', fixed(open.load.achieved_rate), `within 1 % (off by ${(achievedOff * 100).toFixed(3)} %)`],
    ['completed rate (req/s)', fixed(open.throughput.requests_per_second), '-'],
    ['schedule lag p50 (ms)', fixed(lag.p50 * 1000, 3), '-'],
    ['schedule lag p90 (ms)', fixed(lag.p90 * 1000, 3), '-'],
    ['schedule lag p99 (ms)', fixed(lag.p99 * 1000, 3), '< 1'],
    ['latency p99 (ms)', fixed(open.percentiles.p99 * 1000, 2), '-'],
  ]);

  writeResult('http', {
    machine: { cpus: cores, model: cpus()[0]?.model, node: process.version, load_average: { one_core: load1, every_core: loadN, end: loadavg() } },
    connections, seconds,
    one_core: { wrk: wrk1, autocannon: ac1, undici_alone: undici1, aifb: one.result, server_cores: one.serverCores, ratio_vs_autocannon: one.result.rps / ac1.rps, ratio_vs_wrk: one.result.rps / wrk1.rps, ratio_vs_undici: one.result.rps / undici1.rps },
    every_core: { cores, wrk: wrkN, autocannon: acN, aifb: all.result, server_cores: all.serverCores, server_bound: serverBound, scaling, scaling_per_client_core: scalingPerClientCore, wrk_scaling: wrkN.rps / (cores * wrk1.rps), autocannon_scaling: acN.rps / (cores * ac1.rps) },
    open_loop: { requested: openRate, achieved: open.load.achieved_rate, completed_rps: open.throughput.requests_per_second, lag_ms: { p50: lag.p50 * 1000, p90: lag.p90 * 1000, p99: lag.p99 * 1000, max: lag.max * 1000 }, latency_p99_ms: open.percentiles.p99 * 1000 },
  });
} finally {
  nginx.stop();
}
