/**
 * aifb's http backend next to wrk and autocannon, against the same local nginx, with the
 * same connections, each client pinned to one core (nginx on the other):
 *   node --import tsx bench/http/run.ts [--connections 50] [--seconds 5]
 * Then the same with aifb over every core (worker threads, when available) for scaling.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { aifbRun, freePort, printTable, root, run, spawnPinned, tempDir, writeResult } from '../lib.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '50' }, seconds: { type: 'string', default: '5' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const multi = cpus().length > 1;
const serverCpu = multi ? '0' : undefined;
const clientCpu = multi ? '1' : undefined;

const port = await freePort();
const dir = tempDir('aifb-nginx-');
writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1;
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
const nginx = spawnPinned('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], serverCpu);
await new Promise((r) => setTimeout(r, 500));
const url = `http://127.0.0.1:${port}/`;

try {
  const wrk = run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { cpus: clientCpu });
  const wrkRps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1]);
  const wrkP99 = /99%\s+([\d.]+)(us|ms|s)/.exec(wrk.stdout);
  const toMs = (v: string, u: string) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);

  const ac = run(process.execPath, [join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', String(seconds), '-j', url], { cpus: clientCpu });
  const acJson = JSON.parse(ac.stdout) as { requests: { average: number }; latency: { p99: number } };

  const recipe = `services:
  - service_name: web
    service_type: http
    url: ${url}
    duration: ${seconds}s
    load: {clients: ${connections}}
`;
  const one = aifbRun(recipe, { cpus: clientCpu }).services.web;
  const rows: (string | number)[][] = [
    ['client', 'req/s', 'p99 ms', 'aifb / client'],
    ['wrk (C)', wrkRps.toFixed(0), wrkP99 ? toMs(wrkP99[1]!, wrkP99[2]!).toFixed(2) : '-', (one.throughput.requests_per_second / wrkRps).toFixed(2)],
    ['autocannon', acJson.requests.average.toFixed(0), acJson.latency.p99.toFixed(2), (one.throughput.requests_per_second / acJson.requests.average).toFixed(2)],
    ['aifb http (1 core)', one.throughput.requests_per_second.toFixed(0), (one.percentiles.p99 * 1000).toFixed(2), '1.00'],
  ];
  printTable(rows);
  writeResult('http', {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    connections, seconds,
    wrk: { rps: wrkRps, p99_ms: wrkP99 ? toMs(wrkP99[1]!, wrkP99[2]!) : null },
    autocannon: { rps: acJson.requests.average, p99_ms: acJson.latency.p99 },
    aifb_one_core: { rps: one.throughput.requests_per_second, p99_ms: one.percentiles.p99 * 1000 },
    ratio_vs_autocannon: one.throughput.requests_per_second / acJson.requests.average,
    ratio_vs_wrk: one.throughput.requests_per_second / wrkRps,
  });
} finally {
  nginx.kill();
  spawnSync('pkill', ['-f', join(dir, 'nginx.conf')]);
}
