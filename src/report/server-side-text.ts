import type { Report, ServerSideReport } from './types.js';

const ms = (v: number | null) => (v === null ? null : `${(v * 1000).toFixed(v < 0.01 ? 3 : 1)} ms`);
const num = (v: number | null, d = 0) => (v === null ? null : v.toFixed(d));

/**
 * The rows of "server said / aifb measured" for one service, only those the server gave
 * a figure for: [what, server, client]. Shared by the terminal and the HTML.
 */
export function besideClientRows(s: ServerSideReport): [string, string, string][] {
  const b = s.beside_client;
  const g = s.gauges;
  const rows: [string, string | null, string | null][] = [
    ['requests', num(b.requests_server), String(b.requests_client)],
    ['queue time, mean', ms(b.queue_mean), null],
    ['prefill time, mean', ms(b.prefill_mean), null],
    ['compute time, mean', ms(b.compute_mean), null],
    ['TTFT, mean', ms(b.ttft_mean_server), ms(b.ttft_mean_client)],
    ['prompt tokens', num(b.prompt_tokens_server), num(b.input_tokens_client)],
    ['generated tokens', num(b.generation_tokens_server), num(b.output_tokens_client)],
    ['batch size, mean', num(b.batch_size_mean, 2), null],
    ['requests running, mean / max', g.requests_running ? `${g.requests_running.mean.toFixed(2)} / ${g.requests_running.max}` : null, null],
    ['requests waiting, mean / max', g.requests_waiting ? `${g.requests_waiting.mean.toFixed(2)} / ${g.requests_waiting.max}` : null, null],
    ['KV cache use, mean / max', g.kv_cache_usage ? `${(g.kv_cache_usage.mean * 100).toFixed(1)} % / ${(g.kv_cache_usage.max * 100).toFixed(1)} %` : null, null],
  ];
  return rows.filter((r): r is [string, string, string | null] => r[1] !== null).map(([a, b2, c]) => [a, b2, c ?? '-']);
}

/** One line on where the figures came from, or why there are none. */
export function sourceLine(s: ServerSideReport): string {
  if (s.scrapes === 0) return `no server metrics from ${s.source ?? '-'}: ${s.error ?? 'no answer'}`;
  return `${s.scrapes} scrapes of ${s.source} every ${s.interval_seconds ?? '-'} s${s.failures ? `, ${s.failures} failed (${s.error})` : ''}`;
}

/** The terminal's "Server side" block: per service, the server's figures beside aifb's. */
export function renderServerSide(report: Report, plain: (s: string) => string): string {
  const services = Object.entries(report.services).filter(([, s]) => s.server);
  if (services.length === 0) return '';
  const out = ['Server side (its own metrics):'];
  for (const [name, s] of services) {
    out.push(`  ${plain(name)}: ${plain(sourceLine(s.server!))}`);
    for (const [what, server, client] of besideClientRows(s.server!)) out.push(`    ${what.padEnd(30)} server ${server.padStart(12)}   aifb ${client.padStart(12)}`);
  }
  return out.join('\n');
}
