import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { ComponentStatus, MonitorOptions } from '../../src/monitoring/stack/types.js';
import { localMonitor } from '../../src/monitoring/stack/local.js';
import { stopPid } from '../../src/monitoring/stack/processes.js';

export { freePort } from '../helpers/ports.js';

export function tempDir(t: { after(fn: () => void | Promise<void>): void }, prefix = 'aifb-mon-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Stack {
  options: MonitorOptions;
  prometheus: string;
  pushgateway: string;
  states: ComponentStatus[];
  lines: string[];
}

/**
 * Real Prometheus + Pushgateway through `aifb monitor`'s local backend, on free loopback
 * ports in a temp dir, scraping every second; stopped (and the dir removed) after the test.
 */
export async function startStack(t: { after(fn: () => void | Promise<void>): void }, dir: string): Promise<Stack> {
  const lines: string[] = [];
  const options: MonitorOptions = {
    stateDir: join(dir, 'monitor'),
    host: '127.0.0.1',
    ports: { prometheus: await freePort(), pushgateway: await freePort(), grafana: await freePort() },
    scrapeInterval: '1s',
    readyTimeoutMs: 30_000,
    // No grafana-server here; PATH is kept so the Debian binaries are found.
    env: { PATH: process.env.PATH },
    say: (l) => lines.push(l),
  };
  let states: ComponentStatus[] = [];
  t.after(async () => {
    await localMonitor.down(options);
    // By pid as well: the temp dir (and the pid files in it) may already be gone.
    for (const s of states) if (s.pid) await stopPid(s.pid);
  });
  states = await localMonitor.up(options);
  return {
    options,
    prometheus: `http://127.0.0.1:${options.ports.prometheus}`,
    pushgateway: `http://127.0.0.1:${options.ports.pushgateway}`,
    states,
    lines,
  };
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await request(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}: ${text}`);
  return JSON.parse(text) as T;
}

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** An instant PromQL query against a real Prometheus. */
export async function promQuery(base: string, expr: string): Promise<PromSeries[]> {
  const r = await getJson<{ data: { result: PromSeries[] } }>(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return r.data.result;
}

/** A range query, as Grafana panels make them. Times in Unix seconds. */
export async function promRange(base: string, expr: string, start: number, end: number, step = 1): Promise<PromSeries[]> {
  const q = `query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${step}`;
  const r = await getJson<{ data: { result: PromSeries[] } }>(`${base}/api/v1/query_range?${q}`);
  return r.data.result;
}

/** The value of a one-series instant query (NaN when there is none). */
export async function promScalar(base: string, expr: string): Promise<number> {
  const r = await promQuery(base, expr);
  return r.length === 0 ? NaN : Number(r[0]!.value![1]);
}

/** Polls `check` until it returns true or the deadline passes (then fails with `what`). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Groups the Pushgateway holds, as its API lists them. */
export async function pushgatewayGroups(base: string): Promise<{ labels: Record<string, string>; metrics: Record<string, unknown> }[]> {
  const r = await getJson<{ data: Record<string, unknown>[] }>(`${base}/api/v1/metrics`);
  return r.data.map((g) => ({ labels: g.labels as Record<string, string>, metrics: g }));
}
